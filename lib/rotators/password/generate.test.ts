import { describe, expect, it } from "vitest";
import { isRotatorError } from "../errors";
import { generatePassword } from "./generate";
import { DEFAULT_SPECIALS, parsePasswordRules, type PasswordRulesInput } from "./rules";

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
const specialsRe = (specials: string) => new RegExp(`[${specials.replace(/[\]\\^-]/g, "\\$&")}]`, "g");

function rejection(rules: PasswordRulesInput): Error {
  try {
    generatePassword(rules);
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the rules to be rejected");
}

describe("generatePassword", () => {
  it("defaults to 32 characters using every class", () => {
    const password = generatePassword();
    expect(password).toHaveLength(32);
    expect(count(password, /[a-z]/g)).toBeGreaterThanOrEqual(1);
    expect(count(password, /[A-Z]/g)).toBeGreaterThanOrEqual(1);
    expect(count(password, /[0-9]/g)).toBeGreaterThanOrEqual(1);
    expect(count(password, specialsRe(DEFAULT_SPECIALS))).toBeGreaterThanOrEqual(1);
  });

  it("default specials avoid characters that break URLs, connection strings and shells", () => {
    for (const bad of `'"\`\\@:/?#%& $!;|<>(){}[]*~^+`) expect(DEFAULT_SPECIALS).not.toContain(bad);
    const all = Array.from({ length: 200 }, () => generatePassword()).join("");
    expect(all).toMatch(/^[A-Za-z0-9\-_.,=]+$/);
    // Survives URL encoding untouched.
    expect(encodeURIComponent(all.replace(/[,=]/g, ""))).toBe(all.replace(/[,=]/g, ""));
  });

  it.each([8, 9, 31, 64, 255, 256])("honours length %i", (length) => {
    expect(generatePassword({ length })).toHaveLength(length);
  });

  it("uses only the enabled classes", () => {
    for (let i = 0; i < 50; i++) {
      expect(generatePassword({ uppercase: false, digits: false, symbols: false })).toMatch(/^[a-z]{32}$/);
      expect(generatePassword({ lowercase: false, uppercase: false, symbols: false, length: 12 })).toMatch(/^[0-9]{12}$/);
      expect(generatePassword({ lowercase: false, uppercase: false, digits: false, specials: "!*" })).toMatch(/^[!*]{32}$/);
    }
  });

  it("guarantees the per-class minimums", () => {
    for (let i = 0; i < 200; i++) {
      const p = generatePassword({ length: 12, minLowercase: 3, minUppercase: 3, minDigits: 3, minSymbols: 3 });
      expect(count(p, /[a-z]/g)).toBe(3);
      expect(count(p, /[A-Z]/g)).toBe(3);
      expect(count(p, /[0-9]/g)).toBe(3);
      expect(count(p, specialsRe(DEFAULT_SPECIALS))).toBe(3);
    }
    const p = generatePassword({ length: 20, minDigits: 15 });
    expect(count(p, /[0-9]/g)).toBeGreaterThanOrEqual(15);
  });

  it("draws symbols only from the allowed specials", () => {
    for (let i = 0; i < 100; i++) {
      const p = generatePassword({ specials: "#", minSymbols: 4 });
      expect(count(p, /#/g)).toBeGreaterThanOrEqual(4);
      expect(p).toMatch(/^[A-Za-z0-9#]+$/);
    }
  });

  it("ignores the minimum of a class that is turned off", () => {
    expect(generatePassword({ symbols: false, minSymbols: 5 })).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it("never repeats and spreads characters over the whole alphabet", () => {
    const samples = Array.from({ length: 2000 }, () => generatePassword({ length: 16 }));
    expect(new Set(samples).size).toBe(samples.length);
    const all = samples.join("");
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + DEFAULT_SPECIALS;
    const counts = new Map<string, number>();
    for (const ch of all) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    // Every character of every class is used; no class is starved.
    for (const ch of alphabet) expect(counts.get(ch) ?? 0, `character ${ch}`).toBeGreaterThan(0);
    // Within a class, frequencies are roughly uniform (each lower-case letter ≈ 1/26 of the lower-case draws).
    const lower = [...LOWER()].map((ch) => counts.get(ch) ?? 0);
    const mean = lower.reduce((a, b) => a + b, 0) / lower.length;
    for (const n of lower) expect(Math.abs(n - mean) / mean).toBeLessThan(0.35);
    // Guaranteed characters are shuffled: the first position is not always the same class.
    const firstIsLower = samples.filter((s) => /^[a-z]/.test(s)).length;
    expect(firstIsLower).toBeGreaterThan(200);
    expect(firstIsLower).toBeLessThan(1200);
  });

  it("dedupes specials so no special is favoured", () => {
    expect(parsePasswordRules({ specials: "--__" }).specials).toBe("-_");
  });

  it.each<[string, PasswordRulesInput, RegExp]>([
    ["too short", { length: 7 }, /length must be at least 8/],
    ["too long", { length: 257 }, /length must be at most 256/],
    ["fractional", { length: 12.5 }, /length must be a whole number/],
    ["no class", { lowercase: false, uppercase: false, digits: false, symbols: false }, /at least one character class/],
    ["minimums exceed length", { length: 8, minDigits: 5, minLowercase: 4 }, /add up to 11, more than the length 8/],
    ["negative minimum", { minDigits: -1 }, /minDigits cannot be negative/],
    ["letter in specials", { specials: "-a" }, /specials may contain only printable ASCII punctuation; "a"/],
    ["space in specials", { specials: "- " }, /" " is not allowed/],
    ["unicode in specials", { specials: "€" }, /"€" is not allowed/],
    ["empty specials with symbols on", { specials: "" }, /symbols are enabled but specials is empty/],
  ])("rejects invalid rules: %s", (_name, rules, message) => {
    const error = rejection(rules);
    expect(isRotatorError(error)).toBe(true);
    expect((error as { code?: string }).code).toBe("input:invalid");
    expect(error.message).toMatch(/^Invalid password rules: /);
    expect(error.message).toMatch(message);
  });

  it("accepts empty specials when symbols are off", () => {
    expect(generatePassword({ symbols: false, specials: "" })).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});

function LOWER() {
  return "abcdefghijklmnopqrstuvwxyz";
}
