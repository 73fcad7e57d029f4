import "server-only";
/**
 * At start: take up what this instance's previous process left (it crashed, or was killed before its runs
 * finished), instead of leaving it to wait for the leases to run out — or, for a "Rotate now" run, for a
 * person to press the button again.
 *
 * - Schedules it had claimed are handed back (lease released): they are due again at once, so a scheduler
 *   (this process's or any other's) claims them, and the engine resumes the interrupted run.
 * - Runs started by a person or the API are resumed here, in this process, as the same actor.
 *
 * Only leases of a process that is gone are touched (lib/rotation/lease-owner.ts): the engine's own lease
 * check still keeps two processes from ever running one rotator at once.
 */
import type { AppContext } from "../app-context";
import { listRotatorLeasesByOwnerPrefix, releaseRotatorLease } from "../db/queries/rotators";
import { listScheduleLeasesByOwnerPrefix, releaseScheduleLease } from "../db/queries/schedules";
import { getUnfinishedRunByRotator } from "../db/queries/runs";
import { isAppError } from "../errors";
import { logError, logInfo } from "../log";
import { startRotation, type EngineOptions, type RunOutcome } from "./engine";
import { instanceId, instancePrefix, isLeftByPreviousProcess } from "./lease-owner";

export interface Recovery {
  /** Runs resumed in this process; each settles when its run ends. */
  resumed: { runId: string; rotatorId: string; completion: Promise<RunOutcome> }[];
  /** Schedules handed back to the schedulers. */
  handedBack: number;
}

export async function recoverInterruptedRuns(
  app: AppContext,
  options: { instance?: string; engine?: EngineOptions; isAlive?: (pid: number) => boolean } = {},
): Promise<Recovery> {
  const { db } = app;
  const instance = options.instance ?? instanceId();
  const prefix = instancePrefix(instance);
  const left = (owner: string | null): owner is string => !!owner && isLeftByPreviousProcess(owner, instance, options.isAlive);

  const rotators = (await listRotatorLeasesByOwnerPrefix({ db, prefix })).filter((r) => left(r.leaseOwner));
  const schedules = (await listScheduleLeasesByOwnerPrefix({ db, prefix })).filter((s) => left(s.leaseOwner));
  const recovery: Recovery = { resumed: [], handedBack: 0 };
  if (rotators.length === 0 && schedules.length === 0) return recovery;

  // Rotator leases first: a scheduler that claims a handed-back schedule must find its rotator free.
  for (const rotator of rotators) await releaseRotatorLease({ db, id: rotator.id, owner: rotator.leaseOwner! });
  for (const schedule of schedules) await releaseScheduleLease({ db, id: schedule.id, owner: schedule.leaseOwner! });
  recovery.handedBack = schedules.length;

  const byHandedBackSchedule = (r: { id: string; environmentId: string }) => schedules.some((s) => s.rotatorId === r.id || s.environmentId === r.environmentId);
  for (const rotator of rotators) {
    const run = await getUnfinishedRunByRotator({ db, rotatorId: rotator.id });
    if (!run) continue; // died between taking the lease and recording the run: nothing to resume
    if ((run.trigger === "schedule" || run.trigger === "retry") && byHandedBackSchedule(rotator)) continue;
    try {
      const started = await startRotation(
        app,
        { rotatorId: rotator.id, trigger: run.trigger, actor: { id: run.actorId, label: run.actorLabel }, batchId: run.batchId ?? undefined },
        options.engine,
      );
      recovery.resumed.push({ runId: started.runId, rotatorId: rotator.id, completion: started.completion });
    } catch (error) {
      // Someone else took it meanwhile (it is being resumed there), or it was deleted.
      if (!isAppError(error) || (error.code !== "rotation:busy" && error.code !== "not-found")) {
        logError(`could not resume run ${run.id}`, error, { runId: run.id, rotatorId: rotator.id });
      }
    }
  }
  logInfo(
    `resumed ${recovery.resumed.length} interrupted rotation(s) and handed back ${recovery.handedBack} schedule(s) left by this instance's previous process (${instance})`,
  );
  return recovery;
}
