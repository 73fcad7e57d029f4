import "server-only";
/** Finding what an API path names, with the caller's environment reach checked (403) and a clear 404. */
import type { Environment, RotatorRow, RotationRun } from "../db/schema";
import { getEnvironmentById, getEnvironmentByName } from "../db/queries/environments";
import { getRotatorById } from "../db/queries/rotators";
import { getRunById } from "../db/queries/runs";
import { AppError } from "../errors";
import type { ApiContext } from "./route";

export async function environmentNamed(ctx: ApiContext, name: string): Promise<Environment> {
  const environment = await getEnvironmentByName({ db: ctx.db, name });
  if (!environment) throw new AppError("not-found", `There is no environment named ${name}.`);
  ctx.requireEnvironment(environment);
  return environment;
}

export async function rotatorWithId(ctx: ApiContext, id: string): Promise<{ rotator: RotatorRow; environment: Environment }> {
  const rotator = await getRotatorById({ db: ctx.db, id });
  const environment = rotator ? await getEnvironmentById({ db: ctx.db, id: rotator.environmentId }) : undefined;
  if (!rotator || !environment) throw new AppError("not-found", `There is no rotator with the id ${id}.`);
  ctx.requireEnvironment(environment);
  return { rotator, environment };
}

export async function runWithId(ctx: ApiContext, id: string): Promise<RotationRun> {
  const run = await getRunById({ db: ctx.db, id });
  if (!run) throw new AppError("not-found", `There is no run with the id ${id}.`);
  // A run outlives its environment (history is kept); a token limited to environments sees only theirs.
  if (!run.environmentId ? ctx.caller?.grant.kind !== "personal" : !ctx.reaches(run.environmentId)) {
    throw new AppError("auth:forbidden", "This token may not see runs of that environment.");
  }
  return run;
}
