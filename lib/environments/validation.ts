/** Schemas shared by the environment forms and their server actions. */
import { z } from "zod";

export const environmentNameSchema = z
  .string()
  .trim()
  .min(1, "Give the environment a name")
  .max(100, "Use at most 100 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "Use letters, digits and . _ - / (starting with a letter or digit)");

export const createEnvironmentSchema = z.object({
  name: environmentNameSchema,
  description: z.string().trim().max(500).default(""),
});

export const renameEnvironmentSchema = z.object({
  environmentId: z.uuid(),
  name: environmentNameSchema,
  description: z.string().trim().max(500).default(""),
});

export const deleteEnvironmentSchema = z.object({
  environmentId: z.uuid(),
  confirmName: z.string().trim().min(1, "Type the environment's name to confirm"),
});

export const valueKeySchema = z
  .string()
  .trim()
  .min(1, "Give the value a key")
  .max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "Keys use letters, digits, _ . - and start with a letter or _");

export const setValueSchema = z.object({
  environmentId: z.uuid(),
  key: valueKeySchema,
  value: z.string().max(10_000),
  secret: z.union([z.literal("on"), z.literal("true"), z.literal("false"), z.literal(""), z.boolean()]).optional().transform((v) => v === true || v === "on" || v === "true"),
});

export const deleteValueSchema = z.object({ environmentId: z.uuid(), key: valueKeySchema });
