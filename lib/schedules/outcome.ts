/**
 * What a finished scheduled run changes on its schedule: the next run, and the retry bookkeeping. Pure, so
 * the rules can be read (and tested) in one place:
 *
 * - A regular run plans the next one from the moment it was claimed (planNextRun: missed slots are not
 *   replayed, the minimum interval holds, the window applies). A one-off schedule has no next run.
 * - Failed rotators are retried up to `maxRetries` times, retry n after backoffDelayMs(n) (exponential, with
 *   jitter), unless their failure says a retry cannot help (`retryable: false`: wrong inputs, a missing
 *   privilege, a refused managing login) — those wait for a person. An environment schedule retries only the
 *   rotators that failed retryably. When no retry is left the bookkeeping is cleared: the rotators stay failing (that is on the rotator, set by the engine) until a
 *   rotation succeeds, and the notifier sends one rotation.failed for the episode.
 * - Held (the lockout guard found the retiring credential still in use, policy hold) is retried on the same
 *   backoff as a retryable failure; it is not a failure of the rotator.
 * - Busy (someone else is rotating it right now) is not a failure. A regular run whose only rotator was busy
 *   is put off by `busyDelayMs` instead of being counted as done.
 * - A run cut short by shutdown leaves the schedule due, so another process (or the restart) takes it over.
 */
import type { Schedule } from "../db/schema";
import { backoffDelayMs, type RetryPolicy } from "../backoff";
import { runHasEnded } from "../db/vocabulary";
import { planNextRun, specFromStored } from "./schedule-spec";

/** held: the lockout guard deferred it (the retiring credential is still in use, policy hold). */
export type TargetStatus = "succeeded" | "failed" | "held" | "busy" | "skipped" | "gone";

export interface TargetResult {
  rotatorId: string;
  status: TargetStatus;
  /** failed: whether trying again later may help. Absent counts as yes. */
  retryable?: boolean;
}

export type RunKind = "regular" | "retry";

/** A claimed schedule runs its retry when one is pending and due no later than the regular run. */
export function runKindOf(schedule: Pick<Schedule, "nextRunAt" | "nextRetryAt">): RunKind {
  if (schedule.nextRetryAt && (!schedule.nextRunAt || schedule.nextRetryAt.getTime() <= schedule.nextRunAt.getTime())) return "retry";
  return "regular";
}

export interface FinishInput {
  kind: RunKind;
  claimedAt: Date;
  now: Date;
  results: TargetResult[];
  interrupted: boolean;
  minIntervalMs: number;
  retry: RetryPolicy;
  busyDelayMs: number;
  random?: () => number;
}

export type SchedulePatch = Partial<
  Pick<Schedule, "nextRunAt" | "nextSlotAt" | "lastRunAt" | "lastOutcome" | "retryCount" | "nextRetryAt" | "retryRotatorIds" | "overdueNotifiedAt">
>;

function outcomeOf(results: TargetResult[]): string {
  const ran = results.filter((r) => runHasEnded(r.status));
  if (ran.length === 0) return "skipped";
  const failed = ran.filter((r) => r.status === "failed").length;
  const held = ran.filter((r) => r.status === "held").length;
  if (failed === 0 && held === 0) return "succeeded";
  if (failed === ran.length) return "failed";
  return held === ran.length ? "held" : "partial";
}

export function finishPatch(schedule: Schedule, input: FinishInput): SchedulePatch {
  const { now, results } = input;
  if (input.interrupted) return {};
  const patch: SchedulePatch = { overdueNotifiedAt: null };
  const onlyBusy = results.length > 0 && results.every((r) => r.status === "busy" || r.status === "gone") && results.some((r) => r.status === "busy");

  if (input.kind === "regular") {
    if (onlyBusy) return { ...patch, nextRunAt: new Date(now.getTime() + input.busyDelayMs) };
    const plan = planNextRun(specFromStored(schedule), {
      now: input.claimedAt,
      previousSlot: schedule.nextSlotAt,
      lastRunAt: input.claimedAt,
      minIntervalMs: input.minIntervalMs,
      random: input.random,
    });
    patch.nextRunAt = plan?.runAt ?? null;
    patch.nextSlotAt = plan?.slotAt ?? null;
    patch.lastRunAt = input.claimedAt;
  }
  patch.lastOutcome = outcomeOf(results);

  // A held rotation is retried like a retryable failure: by then its consumers may have moved on.
  const failed = results.filter((r) => (r.status === "failed" && r.retryable !== false) || r.status === "held").map((r) => r.rotatorId);
  const nextRetry = input.kind === "regular" ? 1 : schedule.retryCount + 1;
  if (failed.length > 0 && nextRetry <= input.retry.maxRetries) {
    patch.retryCount = nextRetry;
    patch.nextRetryAt = new Date(now.getTime() + backoffDelayMs(nextRetry, input.retry, input.random));
    patch.retryRotatorIds = schedule.environmentId ? failed : null;
  } else if (input.kind === "retry" && onlyBusy) {
    // The rotator is being rotated by someone else; look again shortly without spending a retry.
    patch.nextRetryAt = new Date(now.getTime() + input.busyDelayMs);
  } else {
    patch.retryCount = 0;
    patch.nextRetryAt = null;
    patch.retryRotatorIds = null;
  }
  return patch;
}
