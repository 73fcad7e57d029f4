import { describe, expect, it } from "vitest";
import { describeRotatorContract } from "@/test/support/rotator-contract";
import { isRotatorError } from "../errors";
import { passphraseRotator } from "./index";
import { generatePassphrase, passphraseEntropyBits } from "./generate";
import { passphraseInputsSchema } from "./inputs";
import { EFF_LARGE_WORDLIST_SIZE, WORDS } from "./wordlist";

describeRotatorContract("passphrase", { rotator: passphraseRotator, noTarget: "passphrase has no target: it generates a passphrase for you to use" }, async () => ({
  inputs: passphraseInputsSchema.parse({ length: 6 }),
  // No target: "wrong" can only mean malformed.
  wrongCredential: () => ({ secret: "not-a-passphrase-credential" }),
  importedState: { current: { passphrase: "correct-horse-battery-staple" }, previous: null },
}));

const inputs = (raw: Record<string, unknown> = {}) => passphraseInputsSchema.parse(raw);
const context = { checkpoint: async () => {} };

describe("passphrase generation", () => {
  it("uses EFF's large list: 7776 distinct words", () => {
    expect(WORDS).toHaveLength(EFF_LARGE_WORDLIST_SIZE);
    expect(new Set(WORDS).size).toBe(EFF_LARGE_WORDLIST_SIZE);
    expect(WORDS[0]).toBe("abacus");
    expect(WORDS.at(-1)).toBe("zoom");
  });

  it("defaults to ESC's shape: five lower-case words joined by -", () => {
    const phrase = generatePassphrase(inputs());
    const words = phrase.split("-");
    // Four EFF words contain a hyphen themselves (t-shirt, yo-yo …), so count by the list, not by the split.
    expect(words.length).toBeGreaterThanOrEqual(5);
    expect(phrase).toMatch(/^[a-z-]+$/);
  });

  it("honours length, separator, capitalisation and digits (ESC's example: Mouth%Purebred%Headstone%Plausibly)", () => {
    const phrase = generatePassphrase(inputs({ length: 4, separator: "%", capitalize: true, digits: 3 }));
    const parts = phrase.split("%");
    expect(parts).toHaveLength(5);
    for (const word of parts.slice(0, 4)) {
      expect(word).toMatch(/^[A-Z][a-z-]*$/);
      expect(WORDS).toContain(word.toLowerCase());
    }
    expect(parts[4]).toMatch(/^[0-9]{3}$/);
  });

  it("draws every word uniformly (no modulo bias, whole list reachable)", () => {
    // 20 000 phrases × 8 words = 160 000 draws over 7776 words: each word is expected ≈ 20.6 times.
    const counts = new Map<string, number>();
    const spaced = inputs({ length: 8, separator: " " });
    for (let i = 0; i < 20_000; i++) for (const w of generatePassphrase(spaced).split(" ")) counts.set(w, (counts.get(w) ?? 0) + 1);
    expect(counts.size).toBeGreaterThan(WORDS.length * 0.99);
    // A biased draw (byte % 7776 from two bytes) would favour the first 65536 % 7776 = 3328 words by ~12%.
    const head = WORDS.slice(0, 3328).reduce((n, w) => n + (counts.get(w) ?? 0), 0) / 3328;
    const tail = WORDS.slice(3328).reduce((n, w) => n + (counts.get(w) ?? 0), 0) / (WORDS.length - 3328);
    expect(Math.abs(head - tail) / tail).toBeLessThan(0.04);
  });

  it("draws digits uniformly", () => {
    const counts = new Array(10).fill(0);
    const digitsOnly = inputs({ length: 3, digits: 8, separator: " " });
    for (let i = 0; i < 5_000; i++) for (const d of generatePassphrase(digitsOnly).split(" ")[3]!) counts[Number(d)]++;
    for (const n of counts) expect(Math.abs(n - 4_000) / 4_000).toBeLessThan(0.1);
  });

  it("reports its entropy: 12.9 bits a word, 3.3 a digit", () => {
    expect(passphraseEntropyBits({ length: 5, digits: 0 })).toBeCloseTo(64.62, 1);
    expect(passphraseEntropyBits({ length: 4, digits: 2 })).toBeCloseTo(58.34, 1);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["too few words", { length: 2 }, /length must be at least 3 words/],
    ["too many words", { length: 16 }, /length must be at most 15 words/],
    ["two-character separator", { separator: "--" }, /separator must be exactly one character/],
    ["empty separator", { separator: "" }, /separator must be exactly one character/],
    ["letter separator", { separator: "x" }, /neither a letter nor a digit/],
    ["too many digits", { digits: 9 }, /digits must be at most 8/],
  ])("refuses %s with a message naming the field", (_name, raw, message) => {
    const parsed = passphraseInputsSchema.safeParse(raw);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.message).join("; ")).toMatch(message);
  });

  it("Test connection says what a passphrase is made of", async () => {
    const result = await passphraseRotator.testConnection({ inputs: inputs({ length: 6, digits: 2 }), context });
    expect(result.details.join(" ")).toMatch(/6 words from EFF's list of 7,776 and 2 digits: about 84 bits/);
  });

  it("validates the credential shape", async () => {
    const error = await passphraseRotator.verifyCredential({ inputs: inputs(), credential: { passphrase: "" }, context }).catch((e: unknown) => e);
    expect(isRotatorError(error) && error.code).toBe("input:invalid");
    expect(passphraseRotator.credentialSchema.safeParse({ passphrase: "a-b-c", extra: "y" }).success).toBe(false);
  });
});
