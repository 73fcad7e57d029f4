/**
 * `password`: a generated secret with no target. Useful for secrets an application owns itself (signing keys,
 * webhook secrets) that should still rotate on a schedule with a previous value kept for overlap.
 */
import { createNoTargetRotator } from "../generated/no-target-rotator";
import type { RotatorDefinition } from "../types";
import { generatePassword } from "./generate";
import type { PasswordInputs } from "./inputs";
import { passwordMeta } from "./meta";

export const passwordRotator: RotatorDefinition<PasswordInputs> = createNoTargetRotator(passwordMeta, {
  key: "password",
  noun: "password",
  generate: (inputs) => generatePassword(inputs.passwordRules),
});
