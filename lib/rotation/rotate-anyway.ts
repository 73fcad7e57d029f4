import "server-only";
/**
 * "Rotate anyway": an operator's explicit choice to rotate a rotator whose last run the lockout guard held
 * (policy hold), knowing who still uses the credential it retires. The new run checks again and records the
 * finding as overridden; the choice is audited with the names the confirmation showed.
 */
import { byActor, type Actor, type AppContext } from "../app-context";
import { getRotatorById } from "../db/queries/rotators";
import { getRunById } from "../db/queries/runs";
import { insertAuditEvent } from "../db/queries/audit";
import { AppError } from "../errors";
import { startRotation, type EngineOptions, type RunOutcome } from "./engine";
import { retiringHolders } from "./lockout-finding";

export async function rotateAnyway(
  app: AppContext,
  request: { actor: Actor; rotatorId: string; heldRunId: string },
  options: EngineOptions = {},
): Promise<{ runId: string; completion: Promise<RunOutcome> }> {
  const rotator = await getRotatorById({ db: app.db, id: request.rotatorId });
  if (!rotator) throw new AppError("not-found", "That rotator no longer exists.");
  const held = rotator.lastRunId === request.heldRunId ? await getRunById({ db: app.db, id: request.heldRunId }) : undefined;
  // The confirmation named who held this run; a newer run (or none held) means the operator saw something else.
  if (!held || held.status !== "held") {
    throw new AppError("conflict", `${rotator.name} is no longer held by that run: reload the page to see its latest run before rotating anyway.`);
  }
  const stillUsedBy = held.retiringCheck ? retiringHolders(held.retiringCheck) : [];
  const started = await startRotation(app, { rotatorId: rotator.id, trigger: "user", actor: request.actor, overrideHold: true }, options);
  await app.db.transaction((tx) => insertAuditEvent({
    tx,
    event: {
      ...byActor(request.actor),
      action: "rotation.rotate_anyway",
      targetType: "rotator",
      targetId: rotator.id,
      targetLabel: rotator.name,
      details: { heldRunId: held.id, runId: started.runId, credential: held.retiringCheck?.credential ?? null, stillUsedBy },
    },
  }));
  return started;
}
