import "server-only";
/**
 * "Rotate now" for a whole environment: each rotator is rotated independently, one after another, so one
 * failure (or a rotator that is already rotating) does not stop the others. The runs share a batch id.
 */
import { randomUUID } from "node:crypto";
import type { AppContext, Actor } from "../app-context";
import { listRotatorsByEnvironment } from "../db/queries/rotators";
import { getEnvironmentById } from "../db/queries/environments";
import { rotateNow, startRotation, type EngineOptions, type RunOutcome, type RunTrigger } from "./engine";
import { logError } from "../log";
import { AppError, isAppError } from "../errors";

export type EnvironmentRotationResult =
  | (RunOutcome & { rotatorName: string })
  | { rotatorId: string; rotatorName: string; status: "skipped"; errorMessage: string };

export async function listEnvironmentRotatorIds(app: AppContext, environmentId: string) {
  const environment = await getEnvironmentById({ db: app.db, id: environmentId });
  if (!environment) throw new AppError("not-found", "That environment no longer exists.");
  return listRotatorsByEnvironment({ db: app.db, environmentId });
}

export async function rotateEnvironment(
  app: AppContext,
  request: { environmentId: string; trigger: RunTrigger; actor: Actor; batchId?: string },
  options: EngineOptions = {},
): Promise<{ batchId: string; results: EnvironmentRotationResult[] }> {
  const rotators = await listEnvironmentRotatorIds(app, request.environmentId);
  const batchId = request.batchId ?? randomUUID();
  const results: EnvironmentRotationResult[] = [];
  for (const rotator of rotators) {
    try {
      const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: request.trigger, actor: request.actor, batchId }, options);
      results.push({ ...outcome, rotatorName: rotator.name });
    } catch (error) {
      if (!isAppError(error)) throw error;
      results.push({ rotatorId: rotator.id, rotatorName: rotator.name, status: "skipped", errorMessage: error.message });
    }
  }
  return { batchId, results };
}

export type StartedRotation =
  | { rotatorId: string; rotatorName: string; status: "running"; runId: string }
  | { rotatorId: string; rotatorName: string; status: "skipped"; errorCode: string; errorMessage: string };

/**
 * Starts rotating the named rotators (all when none are named) and returns as soon as each run exists; the
 * runs continue in the background. `expectedRevision` is the environment revision the request was made from:
 * a rotator that a rotation has already changed since then is skipped ("rotated since"), so two clicks or two
 * scripts acting on the same view do not rotate twice.
 */
export async function startEnvironmentRotations(
  app: AppContext,
  request: { environmentId: string; rotatorNames?: string[]; expectedRevision?: number; trigger: RunTrigger; actor: Actor },
  options: EngineOptions = {},
): Promise<{ batchId: string; runs: StartedRotation[] }> {
  const all = await listEnvironmentRotatorIds(app, request.environmentId);
  const wanted = request.rotatorNames?.length ? request.rotatorNames : all.map((r) => r.name);
  const unknown = wanted.filter((name) => !all.some((r) => r.name.toLowerCase() === name.toLowerCase()));
  if (unknown.length > 0) {
    throw new AppError("input:invalid", `This environment has no rotator named ${unknown.join(", ")}.`, { fieldErrors: { rotators: `Unknown: ${unknown.join(", ")}` } });
  }
  const batchId = randomUUID();
  const runs: StartedRotation[] = [];
  for (const rotator of all.filter((r) => wanted.some((name) => name.toLowerCase() === r.name.toLowerCase()))) {
    if (request.expectedRevision !== undefined && rotator.stateRevision !== null && rotator.stateRevision > request.expectedRevision) {
      const ago = rotator.lastRotatedAt ? ` ${Math.max(0, Math.round((Date.now() - rotator.lastRotatedAt.getTime()) / 1000))} s ago` : "";
      runs.push({
        rotatorId: rotator.id,
        rotatorName: rotator.name,
        status: "skipped",
        errorCode: "rotation:stale-revision",
        errorMessage: `${rotator.name} was rotated${ago} (revision ${rotator.stateRevision}, after the revision ${request.expectedRevision} this request was made from); rotate again to rotate it once more.`,
      });
      continue;
    }
    try {
      const { runId, completion } = await startRotation(app, { rotatorId: rotator.id, trigger: request.trigger, actor: request.actor, batchId }, options);
      completion.catch((error) => logError(`rotation run ${runId} ended unexpectedly`, error));
      runs.push({ rotatorId: rotator.id, rotatorName: rotator.name, status: "running", runId });
    } catch (error) {
      if (!isAppError(error)) throw error;
      runs.push({ rotatorId: rotator.id, rotatorName: rotator.name, status: "skipped", errorCode: error.code, errorMessage: error.message });
    }
  }
  return { batchId, runs };
}
