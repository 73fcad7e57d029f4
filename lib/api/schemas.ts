/**
 * The shapes the REST API returns, as zod schemas: the OpenAPI document's components. Inputs reuse the
 * dashboard's own schemas (lib/validation, the rotator types' inputs schemas) wherever one exists.
 */
import { z } from "zod";
import { environmentNameSchema, valueKeySchema } from "../environments/validation";
import { ROTATOR_TYPES } from "../rotators/types";
import { TOKEN_KINDS, TOKEN_SCOPES, RUN_STATUSES, RUN_TRIGGERS } from "../db/vocabulary";

const isoTime = z.string().meta({ description: "ISO 8601 time (UTC)", example: "2026-12-01T10:00:00.000Z" });
const credential = z.record(z.string(), z.string()).meta({ id: "Credential", description: "A credential's fields, e.g. { username, password }" });

export const environmentNameParam = z.object({
  name: environmentNameSchema.meta({ description: "Environment name (URL-encode it: names may contain /)" }),
});

export const environmentSummarySchema = z
  .object({ name: z.string(), description: z.string(), revision: z.number().int(), rotators: z.number().int(), updatedAt: isoTime })
  .meta({ id: "EnvironmentSummary" });

export const rotatorSummarySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    type: z.enum(ROTATOR_TYPES),
    status: z.string().meta({ description: "healthy, rotating, retrying, failing, overdue, paused, unscheduled or never rotated" }),
    lastRotatedAt: isoTime.nullable(),
    nextRotationAt: isoTime.nullable(),
    current: z.record(z.string(), z.string()).nullable().meta({ description: "The current credential's public fields (username, access key id)" }),
  })
  .meta({ id: "RotatorSummary" });

export const environmentSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    revision: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
    values: z.array(z.object({ key: z.string(), secret: z.boolean(), value: z.string().optional().meta({ description: "Plain values only" }) })),
    exports: z.record(z.string(), z.string()).meta({ description: "Exported variables: NAME → template such as ${app-db.current.password}" }),
    rotators: z.array(rotatorSummarySchema),
  })
  .meta({ id: "Environment" });

export const openedRotatorSchema = z.object({
  type: z.enum(ROTATOR_TYPES),
  current: credential.nullable(),
  previous: credential.nullable(),
  rotatedAt: isoTime.nullable(),
  nextRotationAt: isoTime.nullable(),
  previousValidUntil: isoTime.nullable().meta({ description: "The earliest moment the previous credential may stop working (the next planned rotation); null when none is planned" }),
});

export const openedEnvironmentSchema = z
  .object({
    environment: z.string(),
    revision: z.number().int(),
    values: z.record(z.string(), z.string()),
    rotators: z.record(z.string(), openedRotatorSchema),
    exports: z.record(z.string(), z.string()).meta({ description: "The exported variables, resolved" }),
    exportErrors: z.record(z.string(), z.string()).meta({ description: "Exported variables that cannot be resolved at this revision, with why" }),
  })
  .meta({ id: "OpenedEnvironment" });

export const revisionSchema = z
  .object({ revision: z.number().int(), reason: z.string(), actor: z.string(), createdAt: isoTime })
  .meta({ id: "Revision" });

export const stepSchema = z
  .object({ name: z.string(), status: z.enum(["running", "succeeded", "failed", "skipped"]), message: z.string().nullable(), startedAt: isoTime, finishedAt: isoTime.nullable() })
  .meta({ id: "RunStep" });

export const runSummarySchema = z
  .object({
    id: z.uuid(),
    environment: z.string(),
    rotator: z.string(),
    type: z.string(),
    status: z.enum(RUN_STATUSES),
    trigger: z.enum(RUN_TRIGGERS),
    actor: z.string(),
    attempt: z.number().int(),
    startedAt: isoTime,
    finishedAt: isoTime.nullable(),
    durationMs: z.number().int().nullable(),
    revisionBefore: z.number().int().nullable(),
    revisionAfter: z.number().int().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: "RunSummary" });

export const runSchema = runSummarySchema.extend({ steps: z.array(stepSchema) }).meta({ id: "Run" });

export const tokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(TOKEN_KINDS),
    prefix: z.string().meta({ description: "The first characters of the token, to recognise it" }),
    scope: z.enum(TOKEN_SCOPES).nullable(),
    environments: z.union([z.array(z.string()), z.literal("*")]),
    owner: z.string().nullable().meta({ description: "Personal tokens: the owner's email" }),
    createdBy: z.string(),
    createdAt: isoTime,
    expiresAt: isoTime.nullable(),
    lastUsedAt: isoTime.nullable(),
    revokedAt: isoTime.nullable(),
  })
  .meta({ id: "Token" });

export const createdTokenSchema = z
  .object({ token: z.string().meta({ description: "The token itself. Shown once: Rotor keeps only a hash." }), tokenInfo: tokenSchema })
  .meta({ id: "CreatedToken" });

export const consumerSchema = z
  .object({
    label: z.string().meta({ description: "The token (and its owner, for a personal token), or the user" }),
    kind: z.enum(["token", "user"]),
    tokenId: z.uuid().nullable(),
    tokenState: z.enum(["active", "revoked", "expired"]).nullable().meta({ description: "A revoked or expired token can no longer read" }),
    revision: z.number().int().meta({ description: "The revision it last received" }),
    firstOpenedAt: isoTime,
    lastOpenedAt: isoTime,
    current: z.boolean().meta({ description: "Whether it holds the environment's current revision" }),
    behindOn: z.array(z.string()).meta({ description: "Rotators whose current credential it has not received: rotating them again retires the credential it still uses" }),
  })
  .meta({ id: "Consumer" });

export const userSchema = z.object({ email: z.string(), role: z.enum(["admin", "operator", "viewer"]) }).meta({ id: "User" });

export const valueKeyParam = environmentNameParam.extend({ key: valueKeySchema });

export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
