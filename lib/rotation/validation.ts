/** Schemas shared by the rotator forms and their server actions. Type-specific inputs use each rotator's own schema. */
import { z } from "zod";
import { ROTATOR_TYPES } from "../rotators/types";
import { RESERVED_ROOT } from "../environments/exports";
import { LOCKOUT_POLICIES } from "./lockout-finding";

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

/** The lockout guard's policy (lib/rotation/lockout-guard.ts); the form labels the field "Lockout guard". */
export const lockoutPolicySchema = z.enum(LOCKOUT_POLICIES, { error: "Lockout guard must be off, warn or hold" });

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
  lockoutPolicy: lockoutPolicySchema.optional(),
  ...bindingFields,
  /** Save although Check rotation found failed lines (the form's "Save anyway"); without it such a save is refused. */
  saveAnyway: z.boolean().optional(),
});

export const updateRotatorSchema = z.object({
  rotatorId: z.uuid(),
  name: rotatorNameSchema,
  inputs: z.record(z.string(), z.unknown()),
  lockoutPolicy: lockoutPolicySchema.optional(),
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
/** Rotate anyway names the held run the operator saw, so a newer finding is never overridden unseen. */
export const rotateAnywaySchema = z.object({ rotatorId: z.uuid(), heldRunId: z.uuid() });
/** Rotate now: `expectedRevision` is the environment revision the page showed (absent: "rotate again"). */
export const rotateNowSchema = rotatorIdSchema.extend({ expectedRevision: z.number().int().min(0).optional() });
/** Roll back: bound to the revision the page showed, like Rotate now (absent: "roll back anyway"). */
export const rollbackSchema = z.object({
  rotatorId: z.uuid({ error: "Not a rotator id" }),
  expectedRevision: z.number({ error: "Must be a revision number" }).int("Must be a revision number").min(0, "Must be a revision number").optional(),
});
export const revealSchema = z.object({ rotatorId: z.uuid(), which: z.enum(["current", "previous"]) });
export const deleteRotatorSchema = z.object({ rotatorId: z.uuid(), confirmName: z.string().trim().min(1, "Type the rotator's name to confirm") });
