import "server-only";
/** /api/v1/runs/{id}: one rotation run with its steps (never its pending credential). */
import { z } from "zod";
import { defineApiRoute } from "../route";
import { runWithId } from "../lookup";
import { runSchema } from "../schemas";
import { toRun } from "../views";
import { listStepsByRun } from "../../db/queries/runs";

export const getRunRoute = defineApiRoute({
  method: "GET",
  path: "/runs/{id}",
  operationId: "getRun",
  summary: "Read a rotation run",
  description: "Status, timings, the (redacted) error and each step. Poll it to follow a run started by POST /environments/{name}/rotate.",
  tag: "Runs",
  auth: "run.read",
  params: z.object({ id: z.uuid({ message: "id must be a run id (a UUID)" }) }),
  responses: { 200: { description: "The run", schema: runSchema } },
  async handler({ params }, ctx) {
    const run = await runWithId(ctx, params.id);
    return { status: 200, body: toRun(run, await listStepsByRun({ db: ctx.db, runId: run.id })) };
  },
});

export const runRoutes = [getRunRoute];
