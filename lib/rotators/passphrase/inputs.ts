/**
 * Inputs and credential of the `passphrase` rotator (shared by the client form and the server). The names and
 * ranges follow Pulumi ESC's `passphrase` rotator (`length` words, a one-character `separator`, `capitalize`),
 * so an ESC definition imports unchanged; `digits` is Rotor's addition.
 */
import { z } from "zod";

export const PASSPHRASE_WORDS_MIN = 3;
export const PASSPHRASE_WORDS_MAX = 15;
export const PASSPHRASE_WORDS_DEFAULT = 5;
export const PASSPHRASE_DIGITS_MAX = 8;

export const passphraseInputsSchema = z.object({
  /** How many words (ESC calls it `length`; it counts words, not characters). */
  length: z
    .number({ error: "length must be a number of words" })
    .int("length must be a whole number of words")
    .min(PASSPHRASE_WORDS_MIN, `length must be at least ${PASSPHRASE_WORDS_MIN} words`)
    .max(PASSPHRASE_WORDS_MAX, `length must be at most ${PASSPHRASE_WORDS_MAX} words`)
    .default(PASSPHRASE_WORDS_DEFAULT),
  /** One character between words. Letters and digits would make the words (and the digits) ambiguous. */
  separator: z
    .string()
    .default("-")
    .refine((s) => [...s].length === 1, "separator must be exactly one character")
    .refine((s) => /^[\x20-\x7e]$/.test(s) && !/[A-Za-z0-9]/.test(s), "separator must be a printable ASCII character that is neither a letter nor a digit"),
  /** Upper-case the first letter of every word. */
  capitalize: z.boolean().default(false),
  /** Add a group of this many random digits as a last element (0 = none). */
  digits: z
    .number({ error: "digits must be a number" })
    .int("digits must be a whole number")
    .min(0, "digits cannot be negative")
    .max(PASSPHRASE_DIGITS_MAX, `digits must be at most ${PASSPHRASE_DIGITS_MAX}`)
    .default(0),
});
export type PassphraseInputs = z.output<typeof passphraseInputsSchema>;

export const passphraseCredentialSchema = z.strictObject({ passphrase: z.string().min(1, "passphrase must not be empty") });
