/**
 * Password rules: what a generated secret must look like. One zod schema, shared by the client form, the
 * server action and the generator, so a rule the form accepts is a rule the generator can satisfy.
 */
import { z } from "zod";
import { RotatorError } from "../errors";

export const LOWERCASE = "abcdefghijklmnopqrstuvwxyz";
export const UPPERCASE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const DIGITS = "0123456789";

/**
 * Default special characters: only those that survive every place a password usually travels unescaped —
 * URLs (userinfo and query strings), libpq/JDBC connection strings, .env files, YAML and shell assignments.
 * Left out on purpose: quotes ' " ` and backslash (quoting), @ : / ? # % & (URL syntax), + (a space in query
 * strings), space, $ ! * ; | < > ( ) [ ] { } (shell), ~ (tilde expansion), ^ (not URL-safe).
 */
export const DEFAULT_SPECIALS = "-_.,=";

export const PASSWORD_LENGTH_MIN = 8;
export const PASSWORD_LENGTH_MAX = 256;
export const PASSWORD_LENGTH_DEFAULT = 32;

const minimum = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(0, `${what} cannot be negative`)
    .max(PASSWORD_LENGTH_MAX, `${what} cannot exceed ${PASSWORD_LENGTH_MAX}`);

/** Printable ASCII that is neither a letter nor a digit nor a space (0x21..0x7e). */
const SPECIAL_CHARACTER = /^[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]$/;

export const passwordRulesSchema = z
  .object({
    /** Total length, 8..256. */
    length: z
      .number({ error: "length must be a number" })
      .int("length must be a whole number")
      .min(PASSWORD_LENGTH_MIN, `length must be at least ${PASSWORD_LENGTH_MIN}`)
      .max(PASSWORD_LENGTH_MAX, `length must be at most ${PASSWORD_LENGTH_MAX}`)
      .default(PASSWORD_LENGTH_DEFAULT),
    lowercase: z.boolean().default(true),
    uppercase: z.boolean().default(true),
    digits: z.boolean().default(true),
    symbols: z.boolean().default(true),
    /** Minimum count per class. Ignored for a class that is turned off, so turning a class off in a form
     *  never leaves a stale minimum behind that makes the rules invalid. */
    minLowercase: minimum("minLowercase").default(1),
    minUppercase: minimum("minUppercase").default(1),
    minDigits: minimum("minDigits").default(1),
    minSymbols: minimum("minSymbols").default(1),
    /** The special characters symbols are drawn from (printable ASCII, no letters, digits or spaces).
     *  Duplicates are dropped so no character is more likely than another. */
    specials: z
      .string()
      .max(200, "specials is longer than 200 characters")
      .default(DEFAULT_SPECIALS)
      .superRefine((value, ctx) => {
        for (const ch of value) {
          if (!SPECIAL_CHARACTER.test(ch)) {
            ctx.addIssue({
              code: "custom",
              message: `specials may contain only printable ASCII punctuation; ${JSON.stringify(ch)} is not allowed`,
            });
            return;
          }
        }
      })
      .transform((value) => [...new Set(value)].join("")),
  })
  .superRefine((rules, ctx) => {
    const enabled = enabledClasses(rules);
    if (enabled.length === 0) {
      ctx.addIssue({ code: "custom", message: "at least one character class must be enabled" });
      return;
    }
    if (rules.symbols && rules.specials.length === 0) {
      ctx.addIssue({ code: "custom", path: ["specials"], message: "symbols are enabled but specials is empty" });
    }
    const required = enabled.reduce((sum, c) => sum + c.min, 0);
    if (required > rules.length) {
      ctx.addIssue({
        code: "custom",
        path: ["length"],
        message: `the per-class minimums add up to ${required}, more than the length ${rules.length}`,
      });
    }
  });

/** Rules as a user may write them (every field optional). */
export type PasswordRulesInput = z.input<typeof passwordRulesSchema>;
/** Rules with every default filled in. */
export type PasswordRules = z.output<typeof passwordRulesSchema>;

export interface CharacterClass {
  name: "lowercase" | "uppercase" | "digits" | "symbols";
  characters: string;
  min: number;
}

type RulesShape = Pick<
  PasswordRules,
  "lowercase" | "uppercase" | "digits" | "symbols" | "minLowercase" | "minUppercase" | "minDigits" | "minSymbols" | "specials"
>;

/** The classes a password draws from, with their minimums. */
export function enabledClasses(rules: RulesShape): CharacterClass[] {
  const all: (CharacterClass & { on: boolean })[] = [
    { name: "lowercase", characters: LOWERCASE, min: rules.minLowercase, on: rules.lowercase },
    { name: "uppercase", characters: UPPERCASE, min: rules.minUppercase, on: rules.uppercase },
    { name: "digits", characters: DIGITS, min: rules.minDigits, on: rules.digits },
    { name: "symbols", characters: rules.specials, min: rules.minSymbols, on: rules.symbols },
  ];
  return all.filter((c) => c.on && c.characters.length > 0).map(({ on: _on, ...c }) => c);
}

/** Parse rules, filling defaults; invalid rules throw `input:invalid` with every problem listed. */
export function parsePasswordRules(input: PasswordRulesInput | undefined = {}): PasswordRules {
  const parsed = passwordRulesSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => issue.message);
  throw new RotatorError("input:invalid", `Invalid password rules: ${problems.join("; ")}.`);
}
