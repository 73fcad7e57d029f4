import "server-only";
/**
 * "Rotate now" for a whole environment: each rotator is rotated independently, one after another, so one
 * failure (or a rotator that is already rotating) does not stop the others. The runs share a batch id.
 */
import { randomUUID } from "node:crypto";
import type { AppContext, Actor } from "../app-context";
import { listRotatorsByEnvironment } from "../db/queries/rotators";
import { getEnvironmentById } from "../db/queries/environments";
import { rotateNow, type EngineOptions, type RunOutcome, type RunTrigger } from "./engine";
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
