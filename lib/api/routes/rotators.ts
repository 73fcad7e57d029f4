import "server-only";
/** /api/v1/…/rotators, /rotators/{id}: rotators (inputs validated by each type's own schema; secret inputs write-only), import, schedules. */
import { z } from "zod";
import { defineApiRoute, type ApiContext } from "../route";
import { environmentNamed, rotatorWithId } from "../lookup";
import { consumerSchema, environmentNameParam, listOf, rotatorSummarySchema } from "../schemas";
import { toRotatorSummary } from "../views";
import { rotatorNameSchema, importStateSchema, lockoutPolicySchema } from "../../rotation/validation";
import { ROTATOR_TYPES, type Credential } from "../../rotators/types";
import { getRotatorDefinition } from "../../rotators/registry";
import { createRotator, deleteRotator, importRotatorState, updateRotator } from "../../rotation/rotator-service";
import { deleteSchedule, getScheduleView, loadScheduleCoverage, saveSchedule, setSchedulePaused, toScheduleView, type ScheduleView } from "../../schedules/service";
import { decryptSecretInputs } from "../../rotation/rotator-records";
import { checkRotator } from "../../rotation/preflight";
import { rollbackRotator } from "../../rotation/rollback";
import { consumersBehindRotator } from "../../environments/consumers";
import { AppError } from "../../errors";
import { scheduleInputSchema } from "../../schedules/schedule-spec";
import { getLoginProviderById, getLoginProviderByName } from "../../db/queries/login-providers";
import { getConnectorById, getConnectorByName } from "../../db/queries/connectors";
import { listRotatorsByEnvironment } from "../../db/queries/rotators";
import { getScheduleByTarget } from "../../db/queries/schedules";
import type { Environment, RotatorRow } from "../../db/schema";

const TAG = "Rotators";

const scheduleSchema = z
  .object({
    description: z.string(),
    paused: z.boolean(),
    input: z.record(z.string(), z.unknown()).meta({ description: "The schedule as PUT takes it" }),
    nextRunAt: z.string().nullable(),
    nextRetryAt: z.string().nullable(),
    lastRunAt: z.string().nullable(),
    lastOutcome: z.string().nullable(),
    running: z.boolean(),
    upcoming: z.array(z.string()).meta({ description: "The next nominal run times" }),
  })
  .meta({ id: "Schedule" });

const rotatorSchema = rotatorSummarySchema
  .extend({
    environment: z.string(),
    inputs: z.record(z.string(), z.unknown()).meta({ description: "Inputs without their secret fields" }),
    secretInputs: z.array(z.string()).meta({ description: "The secret inputs that are set (dotted paths); their values are never returned" }),
    loginProvider: z.string().nullable(),
    connector: z.string().nullable(),
    schedule: scheduleSchema.nullable(),
    stateRevision: z.number().int().nullable().meta({ description: "The revision that introduced the current credential" }),
    lockoutPolicy: lockoutPolicySchema.meta({ description: "What a rotation does when the credential it retires is still in use: off (no check), warn (rotate and record), hold (defer)" }),
    consumersBehind: z
      .array(consumerSchema.omit({ current: true, behindOn: true }))
      .meta({ description: "Consumers that have not received stateRevision yet and can still read: rotating now retires the credential they still use" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Rotator" });

const iso = (d: Date | null) => d?.toISOString() ?? null;

function scheduleJson(view: ScheduleView | null) {
  if (!view) return null;
  return {
    description: view.description,
    paused: view.paused,
    input: { ...view.form },
    nextRunAt: iso(view.nextRunAt),
    nextRetryAt: iso(view.nextRetryAt),
    lastRunAt: iso(view.lastRunAt),
    lastOutcome: view.lastOutcome,
    running: view.running,
    upcoming: view.upcoming.map((d) => d.toISOString()),
  };
}

async function rotatorJson(ctx: ApiContext, rotator: RotatorRow, environment: Environment) {
  const coverage = await loadScheduleCoverage({ db: ctx.db, rotators: [rotator] });
  const own = await getScheduleByTarget({ db: ctx.db, target: { rotatorId: rotator.id } });
  const login = rotator.loginProviderId ? await getLoginProviderById({ db: ctx.db, id: rotator.loginProviderId }) : undefined;
  const connector = rotator.connectorId ? await getConnectorById({ db: ctx.db, id: rotator.connectorId }) : undefined;
  return {
    ...toRotatorSummary(rotator, coverage.get(rotator.id)),
    environment: environment.name,
    inputs: rotator.inputs as Record<string, unknown>,
    secretInputs: Object.keys(decryptSecretInputs(ctx.keyring, rotator)).sort(),
    loginProvider: login?.name ?? null,
    connector: connector?.name ?? null,
    schedule: scheduleJson(own ? toScheduleView(own) : null),
    stateRevision: rotator.stateRevision,
    lockoutPolicy: rotator.lockoutPolicy,
    consumersBehind: (await consumersBehindRotator({ db: ctx.db, rotator })).consumers,
    createdAt: rotator.createdAt.toISOString(),
    updatedAt: rotator.updatedAt.toISOString(),
  };
}

/** Login provider and connector are named in the API; undefined keeps, null clears. */
async function bindingIds(ctx: ApiContext, body: { loginProvider?: string | null; connector?: string | null }) {
  const out: { loginProviderId?: string | null; connectorId?: string | null } = {};
  if (body.loginProvider !== undefined) {
    const login = body.loginProvider === null ? null : await getLoginProviderByName({ db: ctx.db, name: body.loginProvider });
    if (login === undefined) throw new AppError("input:invalid", `There is no AWS login named ${body.loginProvider}.`, { fieldErrors: { loginProvider: "No such AWS login" } });
    out.loginProviderId = login?.id ?? null;
  }
  if (body.connector !== undefined) {
    const connector = body.connector === null ? null : await getConnectorByName({ db: ctx.db, name: body.connector });
    if (connector === undefined) throw new AppError("input:invalid", `There is no connector named ${body.connector}.`, { fieldErrors: { connector: "No such connector" } });
    out.connectorId = connector?.id ?? null;
  }
  return out;
}

const bindingFields = {
  loginProvider: z.string().min(1).max(100).nullable().optional().meta({ description: "aws-iam: the AWS login to use (null: static keys in the inputs)" }),
  connector: z.string().min(1).max(100).nullable().optional().meta({ description: "postgres/mysql: the connector to reach the database through (null: direct)" }),
};

const rotatorIdParam = z.object({ id: z.uuid({ message: "id must be a rotator id (a UUID)" }) });

export const listRotatorsRoute = defineApiRoute({
  method: "GET",
  path: "/environments/{name}/rotators",
  operationId: "listRotators",
  summary: "List an environment's rotators",
  tag: TAG,
  auth: "rotator.read",
  params: environmentNameParam,
  responses: { 200: { description: "The rotators (no secret values)", schema: listOf(rotatorSchema) } },
  async handler({ params }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    const rows = await listRotatorsByEnvironment({ db: ctx.db, environmentId: environment.id });
    return { status: 200, body: { items: await Promise.all(rows.map((r) => rotatorJson(ctx, r, environment))) } };
  },
});

export const createRotatorRoute = defineApiRoute({
  method: "POST",
  path: "/environments/{name}/rotators",
  operationId: "createRotator",
  summary: "Create a rotator",
  description: "`inputs` are validated by the type's schema, as the dashboard form is. `importState` takes over existing credentials, verified against the target first.",
  tag: TAG,
  auth: "rotator.write",
  params: environmentNameParam,
  body: z.object({
    name: rotatorNameSchema,
    type: z.enum(ROTATOR_TYPES, { message: `type must be one of ${ROTATOR_TYPES.join(", ")}` }),
    inputs: z.record(z.string(), z.unknown()).default({}),
    importState: importStateSchema,
    lockoutPolicy: lockoutPolicySchema.optional(),
    ...bindingFields,
  }),
  responses: { 201: { description: "Created", schema: rotatorSchema } },
  async handler({ params, body }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    const rotator = await createRotator(ctx, {
      actor: ctx.actor,
      environmentId: environment.id,
      name: body.name,
      type: body.type,
      inputs: body.inputs,
      importState: body.importState ? { current: body.importState.current ?? null, previous: body.importState.previous ?? null } : undefined,
      lockoutPolicy: body.lockoutPolicy,
      ...(await bindingIds(ctx, body)),
    });
    return { status: 201, body: await rotatorJson(ctx, rotator, environment) };
  },
});

export const getRotatorRoute = defineApiRoute({
  method: "GET",
  path: "/rotators/{id}",
  operationId: "getRotator",
  summary: "Read a rotator",
  tag: TAG,
  auth: "rotator.read",
  params: rotatorIdParam,
  responses: { 200: { description: "The rotator (no secret values)", schema: rotatorSchema } },
  async handler({ params }, ctx) {
    const { rotator, environment } = await rotatorWithId(ctx, params.id);
    return { status: 200, body: await rotatorJson(ctx, rotator, environment) };
  },
});

export const updateRotatorRoute = defineApiRoute({
  method: "PATCH",
  path: "/rotators/{id}",
  operationId: "updateRotator",
  summary: "Change a rotator",
  description: "Secret inputs are write-only: leave them out (or empty) to keep the stored value.",
  tag: TAG,
  auth: "rotator.write",
  params: rotatorIdParam,
  body: z.object({ name: rotatorNameSchema.optional(), inputs: z.record(z.string(), z.unknown()).optional(), lockoutPolicy: lockoutPolicySchema.optional(), ...bindingFields }),
  responses: { 200: { description: "The rotator after the change", schema: rotatorSchema } },
  async handler({ params, body }, ctx) {
    const { rotator, environment } = await rotatorWithId(ctx, params.id);
    const updated = await updateRotator(ctx, {
      actor: ctx.actor,
      rotatorId: rotator.id,
      name: body.name ?? rotator.name,
      inputs: body.inputs ?? (rotator.inputs as Record<string, unknown>),
      lockoutPolicy: body.lockoutPolicy,
      ...(await bindingIds(ctx, body)),
    });
    return { status: 200, body: await rotatorJson(ctx, updated, environment) };
  },
});

export const deleteRotatorRoute = defineApiRoute({
  method: "DELETE",
  path: "/rotators/{id}",
  operationId: "deleteRotator",
  summary: "Delete a rotator",
  description: "Its state and schedule go with it; its run history stays. Rotor does not touch the credentials at the target.",
  tag: TAG,
  auth: "rotator.write",
  params: rotatorIdParam,
  responses: { 204: { description: "Deleted" } },
  async handler({ params }, ctx) {
    const { rotator } = await rotatorWithId(ctx, params.id);
    await deleteRotator(ctx, { actor: ctx.actor, rotatorId: rotator.id, confirmName: rotator.name });
    return { status: 204 };
  },
});

const credentialInput = z.record(z.string().max(100), z.string().max(10_000));

export const importStateRoute = defineApiRoute({
  method: "POST",
  path: "/rotators/{id}/import",
  operationId: "importRotatorState",
  summary: "Import a rotator's current (and previous) credential",
  description: "Each credential is verified against the target before it is accepted; a credential that does not work changes nothing.",
  tag: TAG,
  auth: "rotator.write",
  params: rotatorIdParam,
  body: z.object({ current: credentialInput, previous: credentialInput.nullable().optional() }),
  responses: { 200: { description: "Imported", schema: rotatorSchema } },
  async handler({ params, body }, ctx) {
    const { rotator, environment } = await rotatorWithId(ctx, params.id);
    const schema = getRotatorDefinition(rotator.type).credentialSchema;
    for (const which of ["current", "previous"] as const) {
      const value = body[which];
      if (value && !schema.safeParse(value).success) {
        throw new AppError("input:invalid", `${which} is not a ${rotator.type} credential.`, { fieldErrors: { [which]: `Not a ${rotator.type} credential` } });
      }
    }
    const updated = await importRotatorState(ctx, { actor: ctx.actor, rotatorId: rotator.id, state: { current: body.current as Credential, previous: (body.previous ?? null) as Credential | null } });
    return { status: 200, body: await rotatorJson(ctx, updated, environment) };
  },
});

const checkLineSchema = z
  .object({
    id: z.string().meta({ description: 'Stable per type and check: "reach", "managing-login", "user:<name>", "privilege:<name>", "iam:CreateAccessKey", "password-rules", …' }),
    check: z.string().meta({ description: "What was checked" }),
    status: z.enum(["ok", "failed", "warning", "skipped"]),
    detail: z.string().meta({ description: "What was found (no secret values)" }),
    fix: z.string().optional().meta({ description: "What to change: set on every failed line" }),
    code: z.string().optional().meta({ description: "A failed line: the error code a rotation would meet" }),
    retryable: z.boolean().optional().meta({ description: "A failed line: whether trying again later may help" }),
  })
  .meta({ id: "CheckLine" });

const checkResultSchema = z
  .object({
    ok: z.boolean().meta({ description: "No line failed: a rotation has everything it needs" }),
    summary: z.string(),
    checks: z.array(checkLineSchema),
  })
  .meta({ id: "RotationCheck" });

export const checkRotatorRoute = defineApiRoute({
  method: "POST",
  path: "/rotators/{id}/check",
  operationId: "checkRotation",
  summary: "Check rotation (preflight)",
  description:
    "Proves everything a rotation needs without changing anything: reachability and TLS, the managing login, that the rotated users exist, " +
    "the privileges to change them, and that the password rules fit the target. Answers 200 with the checklist also when lines failed " +
    "(`ok: false`); each failed line says what to fix. Scheduled runs start with the same check.",
  tag: TAG,
  auth: "rotation.start",
  params: rotatorIdParam,
  responses: { 200: { description: "The checklist", schema: checkResultSchema } },
  async handler({ params }, ctx) {
    const { rotator } = await rotatorWithId(ctx, params.id);
    return { status: 200, body: await checkRotator(ctx, { rotatorId: rotator.id }) };
  },
});

export const rollbackRotatorRoute = defineApiRoute({
  method: "POST",
  path: "/rotators/{id}/rollback",
  operationId: "rollbackRotator",
  summary: "Roll back: make the previous credential current again",
  description:
    "For a consumer that broke after a rotation. Rotor first proves that the previous credential still works at the target " +
    "(aws-iam: a key that grace deactivated is reactivated first); then previous and current swap, as a new revision, audited. " +
    "Refused (409 conflict) with the reason when there is no previous credential or it no longer works, and while the rotator is rotating (409 rotation:busy). " +
    "With `expectedRevision` (the revision you looked at), it is refused (409 rotation:stale-revision) if a rotation or a rollback has replaced the credential since, " +
    "saying when and by whom; send it again without `expectedRevision` to roll back whatever is previous now.",
  tag: TAG,
  auth: "rotation.start",
  params: rotatorIdParam,
  body: z.object({ expectedRevision: z.number().int().min(0).optional().meta({ description: "The environment revision the request was made from" }) }),
  responses: {
    200: { description: "Rolled back: the rotator after the swap", schema: rotatorSchema },
    409: { description: "conflict (nothing to roll back to, or it no longer works), rotation:busy, or rotation:stale-revision (problem+json; nothing changed)" },
  },
  async handler({ params, body }, ctx) {
    const { rotator, environment } = await rotatorWithId(ctx, params.id);
    const updated = await rollbackRotator(ctx, { actor: ctx.actor, rotatorId: rotator.id, expectedRevision: body.expectedRevision });
    return { status: 200, body: await rotatorJson(ctx, updated, environment) };
  },
});

export const getScheduleRoute = defineApiRoute({
  method: "GET",
  path: "/rotators/{id}/schedule",
  operationId: "getSchedule",
  summary: "Read a rotator's schedule",
  tag: TAG,
  auth: "schedule.read",
  params: rotatorIdParam,
  responses: { 200: { description: "The schedule", schema: scheduleSchema }, 404: { description: "The rotator has no schedule of its own" } },
  async handler({ params }, ctx) {
    const { rotator } = await rotatorWithId(ctx, params.id);
    const view = await getScheduleView(ctx, { rotatorId: rotator.id });
    if (!view) throw new AppError("not-found", `${rotator.name} has no schedule of its own.`);
    return { status: 200, body: scheduleJson(view) };
  },
});

export const putScheduleRoute = defineApiRoute({
  method: "PUT",
  path: "/rotators/{id}/schedule",
  operationId: "setSchedule",
  summary: "Set a rotator's schedule",
  description: "The same input as the dashboard's schedule editor, validated the same way (including the minimum interval).",
  tag: TAG,
  auth: "schedule.write",
  params: rotatorIdParam,
  body: scheduleInputSchema,
  responses: { 200: { description: "The schedule", schema: scheduleSchema } },
  async handler({ params, body }, ctx) {
    const { rotator } = await rotatorWithId(ctx, params.id);
    const schedule = await saveSchedule(ctx, { actor: ctx.actor, target: { rotatorId: rotator.id }, input: body });
    return { status: 200, body: scheduleJson(toScheduleView(schedule)) };
  },
});

async function ownSchedule(ctx: ApiContext, rotatorId: string) {
  const { rotator } = await rotatorWithId(ctx, rotatorId);
  const schedule = await getScheduleByTarget({ db: ctx.db, target: { rotatorId: rotator.id } });
  if (!schedule) throw new AppError("not-found", `${rotator.name} has no schedule of its own.`);
  return schedule;
}

export const deleteScheduleRoute = defineApiRoute({
  method: "DELETE",
  path: "/rotators/{id}/schedule",
  operationId: "deleteSchedule",
  summary: "Remove a rotator's schedule",
  tag: TAG,
  auth: "schedule.write",
  params: rotatorIdParam,
  responses: { 204: { description: "Removed" } },
  async handler({ params }, ctx) {
    const schedule = await ownSchedule(ctx, params.id);
    await deleteSchedule(ctx, { actor: ctx.actor, scheduleId: schedule.id });
    return { status: 204 };
  },
});

function pauseRoute(paused: boolean) {
  return defineApiRoute({
    method: "POST",
    path: `/rotators/{id}/schedule/${paused ? "pause" : "resume"}`,
    operationId: paused ? "pauseSchedule" : "resumeSchedule",
    summary: paused ? "Pause a rotator's schedule" : "Resume a rotator's schedule",
    description: paused ? "Stops every automatic attempt, pending retries included." : "Plans the next run from now; time spent paused is not made up for.",
    tag: TAG,
    auth: "schedule.write",
    params: rotatorIdParam,
    responses: { 200: { description: "The schedule", schema: scheduleSchema } },
    async handler({ params }, ctx) {
      const schedule = await ownSchedule(ctx, params.id);
      const updated = await setSchedulePaused(ctx, { actor: ctx.actor, scheduleId: schedule.id, paused });
      return { status: 200, body: scheduleJson(toScheduleView(updated)) };
    },
  });
}

export const pauseScheduleRoute = pauseRoute(true);
export const resumeScheduleRoute = pauseRoute(false);

export const rotatorRoutes = [
  listRotatorsRoute,
  createRotatorRoute,
  getRotatorRoute,
  updateRotatorRoute,
  deleteRotatorRoute,
  importStateRoute,
  checkRotatorRoute,
  rollbackRotatorRoute,
  getScheduleRoute,
  putScheduleRoute,
  deleteScheduleRoute,
  pauseScheduleRoute,
  resumeScheduleRoute,
];

