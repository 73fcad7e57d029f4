/** Schemas shared by the rotator forms and their server actions. Type-specific inputs use each rotator's own schema. */
import { z } from "zod";
import { ROTATOR_TYPES } from "../rotators/types";
import { RESERVED_ROOT } from "../environments/exports";

export const rotatorNameSchema = z
  .string()
  .trim()
  .min(1, "Give the rotator a name")
  .max(100, "Use at most 100 characters")
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "Use letters, digits, _ and - (starting with a letter or _): it becomes a key in the environment")
  .refine((name) => name.toLowerCase() !== RESERVED_ROOT, `"${RESERVED_ROOT}" is reserved: \${${RESERVED_ROOT}.<key>} names the environment's values`);

const credentialSchema = z.record(z.string(), z.string());

export const importStateSchema = z
  .object({ current: credentialSchema.nullable().optional(), previous: credentialSchema.nullable().optional() })
  .optional();

/** aws-iam: the AWS login provider; postgres/mysql: the connector. null = none (static keys / direct). */
const bindingFields = {
  loginProviderId: z.uuid().nullable().optional(),
  connectorId: z.uuid().nullable().optional(),
};

export const createRotatorSchema = z.object({
  environmentId: z.uuid(),
  name: rotatorNameSchema,
  type: z.enum(ROTATOR_TYPES),
  inputs: z.record(z.string(), z.unknown()),
  importState: importStateSchema,
  ...bindingFields,
  /** Save although Check rotation found failed lines (the form's "Save anyway"); without it such a save is refused. */
  saveAnyway: z.boolean().optional(),
});

export const updateRotatorSchema = z.object({
  rotatorId: z.uuid(),
  name: rotatorNameSchema,
  inputs: z.record(z.string(), z.unknown()),
  ...bindingFields,
});

export const testConnectionSchema = z.object({
  type: z.enum(ROTATOR_TYPES),
  inputs: z.record(z.string(), z.unknown()),
  /** When editing, empty secret fields mean "the stored value". */
  rotatorId: z.uuid().optional(),
  ...bindingFields,
  /** A new rotator's environment and name (they fill an OIDC login's subject, as its rotations will). */
  environmentId: z.uuid().optional(),
  name: z.string().trim().max(100).optional(),
});

export const rotatorIdSchema = z.object({ rotatorId: z.uuid() });
export const revealSchema = z.object({ rotatorId: z.uuid(), which: z.enum(["current", "previous"]) });
export const deleteRotatorSchema = z.object({ rotatorId: z.uuid(), confirmName: z.string().trim().min(1, "Type the rotator's name to confirm") });
