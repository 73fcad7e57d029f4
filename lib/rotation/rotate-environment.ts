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
import { replacedSince } from "./replaced-since";
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
 * if a rotation has already replaced a named rotator's credential since, nothing starts and the request is
 * refused (rotation:stale-revision, 409) with when and by whom, so two clicks or two scripts acting on the same
 * view do not rotate twice; sending it again without the revision rotates again.
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
  const chosen = all.filter((r) => wanted.some((name) => name.toLowerCase() === r.name.toLowerCase()));
  // Refused as a whole, before anything starts: the caller looked at an older revision and asks again.
  const stale: string[] = [];
  for (const rotator of chosen) {
    const replaced = await replacedSince(app, rotator, request.expectedRevision);
    if (replaced) stale.push(`${rotator.name}: ${replaced}`);
  }
  if (stale.length > 0) throw new AppError("rotation:stale-revision", stale.join(" "));
  const batchId = randomUUID();
  const runs: StartedRotation[] = [];
  for (const rotator of chosen) {
    try {
      // The engine checks the revision again under the lease (a rotation may commit in between).
      const started = { rotatorId: rotator.id, trigger: request.trigger, actor: request.actor, batchId, expectedRevision: request.expectedRevision };
      const { runId, completion } = await startRotation(app, started, options);
      completion.catch((error) => logError(`rotation run ${runId} ended unexpectedly`, error));
      runs.push({ rotatorId: rotator.id, rotatorName: rotator.name, status: "running", runId });
    } catch (error) {
      if (!isAppError(error)) throw error;
      runs.push({ rotatorId: rotator.id, rotatorName: rotator.name, status: "skipped", errorCode: error.code, errorMessage: error.message });
    }
  }
  return { batchId, runs };
}
