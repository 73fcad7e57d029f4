/** What the UI and the server know about the `password` type without running it (client-safe). */
import type { FieldSpec, RotatorMeta } from "../types";
import { passwordCredentialSchema, passwordInputsSchema, type PasswordInputs } from "./inputs";
import { DEFAULT_SPECIALS, PASSWORD_LENGTH_DEFAULT } from "./rules";

/** The form fields of password rules (./rules.ts) under `prefix`; the defaults avoid characters that break
 *  connection strings, URLs and shells. Every rotator that generates a password offers them. */
export const passwordRuleFields = (prefix: string): FieldSpec[] => [
  { path: `${prefix}.length`, label: "Password length", kind: "number", defaultValue: String(PASSWORD_LENGTH_DEFAULT) },
  { path: `${prefix}.lowercase`, label: "Lowercase letters", kind: "checkbox", defaultValue: true },
  { path: `${prefix}.uppercase`, label: "Uppercase letters", kind: "checkbox", defaultValue: true },
  { path: `${prefix}.digits`, label: "Digits", kind: "checkbox", defaultValue: true },
  { path: `${prefix}.symbols`, label: "Symbols", kind: "checkbox", defaultValue: true },
  { path: `${prefix}.minSymbols`, label: "At least this many symbols", kind: "number", defaultValue: "1" },
  { path: `${prefix}.specials`, label: "Allowed symbols", kind: "text", defaultValue: DEFAULT_SPECIALS, hint: "Add quotes, @, :, / or % only if every consumer escapes them" },
];

export const passwordMeta: RotatorMeta<PasswordInputs> = {
  type: "password",
  label: "Generated password",
  inputsSchema: passwordInputsSchema,
  secretInputPaths: [],
  secretCredentialKeys: ["password"],
  credentialSchema: passwordCredentialSchema,
  binding: { kind: "none" },
  fields: passwordRuleFields("passwordRules"),
  importFields: [{ path: "password", label: "Current value", kind: "password" }],
};
