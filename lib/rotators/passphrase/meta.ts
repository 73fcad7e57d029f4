/** What the UI and the server know about the `passphrase` type without running it (client-safe). */
import type { RotatorMeta } from "../types";
import { PASSPHRASE_WORDS_DEFAULT, passphraseCredentialSchema, passphraseInputsSchema, type PassphraseInputs } from "./inputs";

export const passphraseMeta: RotatorMeta<PassphraseInputs> = {
  type: "passphrase",
  label: "Generated passphrase (words)",
  inputsSchema: passphraseInputsSchema,
  secretInputPaths: [],
  secretCredentialKeys: ["passphrase"],
  credentialSchema: passphraseCredentialSchema,
  binding: { kind: "none" },
  fields: [
    { path: "length", label: "Number of words", kind: "number", defaultValue: String(PASSPHRASE_WORDS_DEFAULT), hint: "3 to 15; each word adds about 12.9 bits" },
    { path: "separator", label: "Separator", kind: "text", defaultValue: "-", hint: "One character that is not a letter or digit" },
    { path: "capitalize", label: "Capitalise each word", kind: "checkbox", defaultValue: false },
    { path: "digits", label: "Digits to add at the end", kind: "number", defaultValue: "0" },
  ],
  importFields: [{ path: "passphrase", label: "Current passphrase", kind: "password" }],
};
