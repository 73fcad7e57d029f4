/**
 * Inputs and credential of the `password` rotator (shared by the client form and the server).
 */
import { z } from "zod";
import { passwordRulesSchema } from "./rules";

export const passwordInputsSchema = z.object({
  /** How the secret is generated; every field has a default (32 characters, all classes). */
  passwordRules: passwordRulesSchema.optional(),
});
export type PasswordInputs = z.output<typeof passwordInputsSchema>;

export const passwordCredentialSchema = z.strictObject({
  password: z.string().min(1, "password must not be empty").max(4096, "password is longer than 4096 characters").refine((v) => !v.includes("\0"), "password must not contain NUL characters"),
});
