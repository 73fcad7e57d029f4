import "server-only";
/** /api/v1/environments…: environments, their values and exported variables, opening, revisions, history, rotate. */
import { z } from "zod";
import { defineApiRoute } from "../route";
import { environmentNamed } from "../lookup";
import {
  consumerSchema,
  environmentNameParam,
  environmentSchema,
  environmentSummarySchema,
  listOf,
  openedEnvironmentSchema,
  pageOf,
  revisionSchema,
  runSummarySchema,
  valueKeyParam,
} from "../schemas";
import { toEnvironmentSummary, toEnvironmentView, toRotatorSummary, toRunSummary } from "../views";
import { environmentNameSchema } from "../../environments/validation";
import { exportsSchema } from "../../environments/exports";
import { openEnvironment, type OpenedEnvironment } from "../opened-environment";
import { listEnvironmentConsumers, recordOpen } from "../../environments/consumers";
import { toDotenv, toShell, toYaml, UnrepresentableValueError } from "../../environments/formats";
import {
  createEnvironment,
  deleteEnvironment,
  removeEnvironmentValue,
  renameEnvironment,
  setEnvironmentExports,
  setEnvironmentValue,
} from "../../environments/service";
import { startEnvironmentRotations } from "../../rotation/rotate-environment";
import { loadScheduleCoverage } from "../../schedules/service";
import { AppError } from "../../errors";
import { getEnvironmentById, listEnvironmentRevisions, listEnvironmentsWithCounts, listEnvironmentValues } from "../../db/queries/environments";
import { listRotatorsByEnvironment } from "../../db/queries/rotators";
import { listRuns } from "../../db/queries/runs";
import { RUN_STATUSES } from "../../db/vocabulary";
import type { ApiContext } from "../route";
import type { Environment } from "../../db/schema";

const TAG = "Environments";

async function environmentView(ctx: ApiContext, environment: Environment) {
  const [values, rotators] = await Promise.all([
    listEnvironmentValues({ db: ctx.db, environmentId: environment.id }),
    listRotatorsByEnvironment({ db: ctx.db, environmentId: environment.id }),
  ]);
  const coverage = await loadScheduleCoverage({ db: ctx.db, rotators });
  return toEnvironmentView(environment, values, rotators.map((r) => toRotatorSummary(r, coverage.get(r.id))));
}

export const listEnvironmentsRoute = defineApiRoute({
  method: "GET",
  path: "/environments",
  operationId: "listEnvironments",
  summary: "List environments",
  description: "The environments this token may use.",
  tag: TAG,
  auth: "environment.list",
  responses: { 200: { description: "The environments", schema: listOf(environmentSummarySchema) } },
  async handler(_call, ctx) {
    const rows = await listEnvironmentsWithCounts({ db: ctx.db });
    return { status: 200, body: { items: rows.filter((r) => ctx.reaches(r.id)).map(toEnvironmentSummary) } };
  },
});

export const createEnvironmentRoute = defineApiRoute({
  method: "POST",
  path: "/environments",
  operationId: "createEnvironment",
  summary: "Create an environment",
  tag: TAG,
  auth: "environment.create",
  body: z.object({ name: environmentNameSchema, description: z.string().trim().max(500).default("") }),
  responses: { 201: { description: "Created", schema: environmentSchema } },
  async handler({ body }, ctx) {
    if (ctx.caller?.grant.kind === "service" && ctx.caller.grant.environmentIds !== null) {
      throw new AppError("auth:forbidden", "A token limited to some environments cannot create environments.");
    }
    const environment = await createEnvironment(ctx, { actor: ctx.actor, name: body.name, description: body.description });
    return { status: 201, body: await environmentView(ctx, environment) };
  },
});

export const getEnvironmentRoute = defineApiRoute({
  method: "GET",
  path: "/environments/{name}",
  operationId: "getEnvironment",
  summary: "Read an environment's configuration",
  description: "Values (plain ones with their value, secret ones by key only), exported variables and rotators. No secret value.",
  tag: TAG,
  auth: "environment.read",
  params: environmentNameParam,
  responses: { 200: { description: "The environment", schema: environmentSchema } },
  async handler({ params }, ctx) {
    return { status: 200, body: await environmentView(ctx, await environmentNamed(ctx, params.name)) };
  },
});

export const updateEnvironmentRoute = defineApiRoute({
  method: "PATCH",
  path: "/environments/{name}",
  operationId: "updateEnvironment",
  summary: "Rename an environment, change its description or its exported variables",
  description: "`exports` replaces the exported variables as a whole; every reference must name a value or a rotator field that exists.",
  tag: TAG,
  auth: "environment.update",
  params: environmentNameParam,
  body: z.object({ name: environmentNameSchema.optional(), description: z.string().trim().max(500).optional(), exports: exportsSchema.optional() }),
  responses: { 200: { description: "The environment after the change", schema: environmentSchema } },
  async handler({ params, body }, ctx) {
    let environment = await environmentNamed(ctx, params.name);
    if (body.exports) await setEnvironmentExports(ctx, { actor: ctx.actor, environmentId: environment.id, exports: body.exports });
    if (body.name !== undefined || body.description !== undefined) {
      await renameEnvironment(ctx, { actor: ctx.actor, environmentId: environment.id, name: body.name ?? environment.name, description: body.description ?? environment.description });
    }
    environment = (await getEnvironmentById({ db: ctx.db, id: environment.id }))!;
    return { status: 200, body: await environmentView(ctx, environment) };
  },
});

export const deleteEnvironmentRoute = defineApiRoute({
  method: "DELETE",
  path: "/environments/{name}",
  operationId: "deleteEnvironment",
  summary: "Delete an environment",
  description: "Deletes its rotators, values, revisions and schedules. Run history is kept. Rotor does not touch the credentials at their targets.",
  tag: TAG,
  auth: "environment.delete",
  params: environmentNameParam,
  responses: { 204: { description: "Deleted" } },
  async handler({ params }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    await deleteEnvironment(ctx, { actor: ctx.actor, environmentId: environment.id, confirmName: environment.name });
    return { status: 204 };
  },
});

export const setValueRoute = defineApiRoute({
  method: "PUT",
  path: "/environments/{name}/values/{key}",
  operationId: "setValue",
  summary: "Set a value",
  tag: TAG,
  auth: "environment.value_set",
  params: valueKeyParam,
  body: z.object({ value: z.string().max(10_000, "Use at most 10,000 characters"), secret: z.boolean().default(false) }),
  responses: { 200: { description: "Set", schema: z.object({ key: z.string(), secret: z.boolean(), revision: z.number().int() }) } },
  async handler({ params, body }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    await setEnvironmentValue(ctx, { actor: ctx.actor, environmentId: environment.id, key: params.key, value: body.value, secret: body.secret });
    const after = await getEnvironmentById({ db: ctx.db, id: environment.id });
    return { status: 200, body: { key: params.key, secret: body.secret, revision: after!.currentRevision } };
  },
});

export const deleteValueRoute = defineApiRoute({
  method: "DELETE",
  path: "/environments/{name}/values/{key}",
  operationId: "deleteValue",
  summary: "Remove a value",
  tag: TAG,
  auth: "environment.value_set",
  params: valueKeyParam,
  responses: { 204: { description: "Removed" } },
  async handler({ params }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    const values = await listEnvironmentValues({ db: ctx.db, environmentId: environment.id });
    if (!values.some((v) => v.key === params.key)) throw new AppError("not-found", `${environment.name} has no value ${params.key}.`);
    await removeEnvironmentValue(ctx, { actor: ctx.actor, environmentId: environment.id, key: params.key });
    return { status: 204 };
  },
});

const FORMATS = ["json", "dotenv", "shell", "yaml"] as const;

/** `"14"`, `W/"14"` or `14` → 14; a list matches when any entry does. */
function revisionsIn(ifNoneMatch: string | null): number[] {
  if (!ifNoneMatch) return [];
  return ifNoneMatch
    .split(",")
    .map((tag) => Number(tag.trim().replace(/^W\//, "").replace(/"/g, "")))
    .filter((n) => Number.isInteger(n));
}

function render(format: (typeof FORMATS)[number], opened: OpenedEnvironment): { body: string; type: string } {
  if (format === "json") return { body: JSON.stringify(opened), type: "application/json" };
  if (format === "yaml") return { body: toYaml(opened), type: "application/yaml" };
  const incomplete = Object.values(opened.exportErrors);
  if (incomplete.length > 0) {
    throw new AppError("conflict", `The environment's exported variables are incomplete at revision ${opened.revision}: ${incomplete.join(" ")}`);
  }
  try {
    return format === "dotenv" ? { body: toDotenv(opened.exports), type: "text/plain; charset=utf-8" } : { body: toShell(opened.exports), type: "text/x-shellscript; charset=utf-8" };
  } catch (error) {
    if (error instanceof UnrepresentableValueError) throw new AppError("conflict", error.message, { fieldErrors: { format: error.message } });
    throw error;
  }
}

export const openEnvironmentRoute = defineApiRoute({
  method: "GET",
  path: "/environments/{name}/open",
  operationId: "openEnvironment",
  summary: "Open an environment",
  description:
    "The environment document with its secret values: plain and secret values, each rotator's current and previous credential, and the exported variables. " +
    "`ETag` is the revision; send it back in `If-None-Match` to get `304 Not Modified` while nothing changed. `format=dotenv|shell` writes only the exported variables. " +
    "Every open is recorded (consumer, revision) and audited.",
  tag: TAG,
  auth: "environment.open",
  params: environmentNameParam,
  query: z.object({
    format: z.enum(FORMATS, { message: "format must be json, dotenv, shell or yaml" }).default("json"),
    revision: z.coerce.number({ message: "revision must be a number" }).int("revision must be a whole number").min(1, "revision starts at 1").optional(),
  }),
  responses: {
    200: {
      description: "The document (json), or the exported variables (dotenv, shell)",
      schema: openedEnvironmentSchema,
      content: { "text/plain": z.string().meta({ description: "dotenv: NAME='value' lines" }), "text/x-shellscript": z.string(), "application/yaml": z.string() },
      headers: { ETag: { description: 'The revision, quoted: "14"' }, "X-Rotor-Revision": { description: "The revision number" } },
    },
    304: { description: "The revision in If-None-Match is still the current one" },
    409: { description: "dotenv/shell: an exported variable cannot be resolved or written exactly" },
  },
  async handler({ params, query, request }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    const revision = query.revision ?? environment.currentRevision;
    const etag = `"${revision}"`;
    const headers = { ETag: etag, "X-Rotor-Revision": String(revision), "Cache-Control": "no-store" };
    if (revisionsIn(request.headers.get("if-none-match")).includes(revision)) {
      await recordOpen(ctx, { environment, actor: ctx.actor, revision, notModified: true, format: query.format });
      return new Response(null, { status: 304, headers });
    }
    const opened = await openEnvironment(ctx, { environment, revision });
    const { body, type } = render(query.format, opened);
    await recordOpen(ctx, { environment, actor: ctx.actor, revision, notModified: false, format: query.format });
    return new Response(body, { status: 200, headers: { ...headers, "Content-Type": type } });
  },
});

export const listRevisionsRoute = defineApiRoute({
  method: "GET",
  path: "/environments/{name}/revisions",
  operationId: "listRevisions",
  summary: "List an environment's revisions",
  tag: TAG,
  auth: "revision.read",
  params: environmentNameParam,
  query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
  responses: { 200: { description: "Newest first", schema: listOf(revisionSchema) } },
  async handler({ params, query }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    const rows = await listEnvironmentRevisions({ db: ctx.db, environmentId: environment.id, limit: query.limit });
    return { status: 200, body: { items: rows.map((r) => ({ revision: r.revision, reason: r.reason, actor: r.actorLabel, createdAt: r.createdAt.toISOString() })) } };
  },
});

/** Cursor: `<startedAt ISO>_<run id>`, as the history page uses. */
const cursorSchema = z
  .string()
  .regex(/^[0-9TZ:.+-]+_[0-9a-f-]{36}$/, "cursor is the nextCursor of a previous page")
  .transform((v) => ({ startedAt: new Date(v.split("_")[0]), id: v.split("_")[1] }));

export const historyRoute = defineApiRoute({
  method: "GET",
  path: "/environments/{name}/history",
  operationId: "listHistory",
  summary: "List an environment's rotation runs",
  tag: TAG,
  auth: "run.read",
  params: environmentNameParam,
  query: z.object({
    status: z.enum(RUN_STATUSES).optional(),
    rotator: z.string().max(100).optional(),
    cursor: cursorSchema.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: { 200: { description: "Newest first", schema: pageOf(runSummarySchema) } },
  async handler({ params, query }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    let rotatorId: string | undefined;
    if (query.rotator) {
      const rotators = await listRotatorsByEnvironment({ db: ctx.db, environmentId: environment.id });
      rotatorId = rotators.find((r) => r.name.toLowerCase() === query.rotator!.toLowerCase())?.id;
      if (!rotatorId) throw new AppError("not-found", `${environment.name} has no rotator named ${query.rotator}.`);
    }
    const page = await listRuns({ db: ctx.db, filter: { environmentId: environment.id, rotatorId, status: query.status }, after: query.cursor, limit: query.limit });
    return {
      status: 200,
      body: { items: page.runs.map(toRunSummary), nextCursor: page.next ? `${page.next.startedAt.toISOString()}_${page.next.id}` : null },
    };
  },
});

const startedRunSchema = z.object({
  rotator: z.string(),
  status: z.enum(["running", "skipped"]),
  id: z.uuid().optional().meta({ description: "The run (GET /runs/{id}), when it started" }),
  error: z.object({ code: z.string(), message: z.string() }).optional().meta({ description: "Why it did not start (already rotating, or rotated in the moment since the request was checked)" }),
});

export const rotateEnvironmentRoute = defineApiRoute({
  method: "POST",
  path: "/environments/{name}/rotate",
  operationId: "rotateEnvironment",
  summary: "Rotate an environment's rotators",
  description:
    "Starts a rotation of each named rotator (all when none are named) and answers at once with the runs; follow them with GET /runs/{id}. " +
    "With `expectedRevision` (the revision you looked at), the request is refused (409) if a rotation has replaced a named rotator's credential since, " +
    "saying when and by whom (\"signing: Rotated 2 s ago by alice@example.com; rotate again?\"): nothing starts. Send it again without `expectedRevision` to rotate once more.",
  tag: TAG,
  auth: "rotation.start",
  params: environmentNameParam,
  body: z.object({
    rotators: z.array(z.string().min(1).max(100)).max(500).optional(),
    expectedRevision: z.number().int().min(0).optional(),
  }),
  responses: {
    202: { description: "Started", schema: z.object({ batchId: z.uuid(), runs: z.array(startedRunSchema) }) },
    409: { description: "rotation:stale-revision: a rotation replaced a named rotator's credential after `expectedRevision` (problem+json; nothing started)" },
  },
  async handler({ params, body }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    const started = await startEnvironmentRotations(ctx, {
      environmentId: environment.id,
      rotatorNames: body.rotators,
      expectedRevision: body.expectedRevision,
      trigger: "api",
      actor: ctx.actor,
    });
    return {
      status: 202,
      body: {
        batchId: started.batchId,
        runs: started.runs.map((r) =>
          r.status === "running" ? { rotator: r.rotatorName, status: r.status, id: r.runId } : { rotator: r.rotatorName, status: r.status, error: { code: r.errorCode, message: r.errorMessage } },
        ),
      },
    };
  },
});

export const listConsumersRoute = defineApiRoute({
  method: "GET",
  path: "/environments/{name}/consumers",
  operationId: "listConsumers",
  summary: "List who read an environment",
  description:
    "Every token (or user) that opened the environment: when, the revision it holds, whether that is the current one, and the rotators whose current credential it has not received yet — " +
    "rotating one of those again would retire the credential it still uses.",
  tag: TAG,
  auth: "environment.read",
  params: environmentNameParam,
  responses: { 200: { description: "Most recent first", schema: listOf(consumerSchema) } },
  async handler({ params }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    return { status: 200, body: { items: await listEnvironmentConsumers({ db: ctx.db, environment }) } };
  },
});

/** Used by the OpenAPI document and the tests that check every route file is described. */
export const environmentRoutes = [
  listEnvironmentsRoute,
  createEnvironmentRoute,
  getEnvironmentRoute,
  updateEnvironmentRoute,
  deleteEnvironmentRoute,
  setValueRoute,
  deleteValueRoute,
  openEnvironmentRoute,
  listRevisionsRoute,
  historyRoute,
  rotateEnvironmentRoute,
  listConsumersRoute,
];

