/** Schemas shared by the user forms (client-side hints) and the server actions (the real check). */
import { z } from "zod";
import { ROLES } from "../env";

export const PASSWORD_MIN_LENGTH = 12;

export const emailSchema = z.string().trim().toLowerCase().email("Enter a valid email address").max(320);
export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(1024, "Use at most 1024 characters");

export const setupSchema = z
  .object({
    token: z.string().min(1, "The setup link's token is missing"),
    email: emailSchema,
    name: z.string().trim().max(200).default(""),
    password: newPasswordSchema,
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "The passwords do not match" });

export const createUserSchema = z.object({
  email: emailSchema,
  name: z.string().trim().max(200).default(""),
  role: z.enum(ROLES, { message: "Choose a role" }),
  password: newPasswordSchema,
});

export const changeRoleSchema = z.object({ userId: z.uuid(), role: z.enum(ROLES) });
export const setDisabledSchema = z.object({ userId: z.uuid(), disabled: z.enum(["true", "false"]).transform((v) => v === "true") });

/** "Change my password" (account page, and the forced change after an admin reset). */
export const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, "Current password is required").max(1024, "Use at most 1024 characters"),
    newPassword: newPasswordSchema,
    confirm: z.string(),
  })
  .refine((v) => v.newPassword === v.confirm, { path: ["confirm"], message: "The passwords do not match" });

/** An admin resets a user's password: blank generates a temporary one. */
export const resetPasswordSchema = z.object({
  userId: z.uuid("Choose a user"),
  password: z.union([z.literal(""), newPasswordSchema]).default("").transform((v) => v || undefined),
});
