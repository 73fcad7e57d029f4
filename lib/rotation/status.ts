/**
 * One status per rotator, shown wherever rotators are listed, so a failing rotation cannot go unnoticed.
 *
 * Without schedule information (the third argument) only what the rotator row knows is used: rotating,
 * failing, healthy, never rotated. With the schedules that cover the rotator (its own and its environment's,
 * see loadScheduleCoverage in lib/schedules/service.ts), in this order of precedence:
 *
 *   rotating     a rotation holds the rotator's lease now
 *   retrying     a scheduled rotation failed and a retry is planned (next attempt at …)
 *   failing      the last rotation failed and no retry is left (since …, last error)
 *   overdue      a scheduled rotation is due for longer than the grace period and has not started
 *   paused       every schedule covering it is paused
 *   unscheduled  no schedule covers it (it rotates only when someone presses Rotate now)
 *   healthy      scheduled, and the last rotation (if any) worked
 */
import type { RotatorRow, Schedule } from "../db/schema";

export type RotatorStatus = "rotating" | "retrying" | "failing" | "overdue" | "paused" | "unscheduled" | "healthy" | "never rotated";

export type CoveringSchedule = Pick<
  Schedule,
  "id" | "rotatorId" | "environmentId" | "paused" | "nextRunAt" | "nextRetryAt" | "retryRotatorIds" | "leaseOwner" | "leaseExpiresAt"
>;

export interface ScheduleCoverage {
  /** The schedules that rotate this rotator: its own and its environment's. */
  schedules: CoveringSchedule[];
  overdueGraceMs: number;
}

export interface RotatorStatusDetail {
  status: RotatorStatus;
  /** retrying: when the next attempt starts. */
  nextAttemptAt?: Date;
  /** failing: since when. */
  since?: Date;
  /** overdue: since when the run is due. */
  dueAt?: Date;
  /** The next regular scheduled run, if any. */
  nextRunAt?: Date;
}

type StatusRow = Pick<RotatorRow, "id" | "leaseOwner" | "leaseExpiresAt" | "failingSince" | "lastRotatedAt">;

const live = (owner: string | null, expires: Date | null, now: Date) => Boolean(owner && expires && expires > now);

function retryFor(row: StatusRow, schedule: CoveringSchedule): Date | undefined {
  if (schedule.paused || !schedule.nextRetryAt) return undefined;
  if (schedule.rotatorId) return schedule.rotatorId === row.id ? schedule.nextRetryAt : undefined;
  return !schedule.retryRotatorIds || schedule.retryRotatorIds.includes(row.id) ? schedule.nextRetryAt : undefined;
}

function earliest(dates: (Date | null | undefined)[]): Date | undefined {
  return dates.filter((d): d is Date => Boolean(d)).sort((a, b) => a.getTime() - b.getTime())[0];
}

export function rotatorStatusDetail(row: StatusRow, now = new Date(), coverage?: ScheduleCoverage): RotatorStatusDetail {
  if (live(row.leaseOwner, row.leaseExpiresAt, now)) return { status: "rotating" };
  if (!coverage) {
    if (row.failingSince) return { status: "failing", since: row.failingSince };
    return { status: row.lastRotatedAt ? "healthy" : "never rotated" };
  }
  const active = coverage.schedules.filter((s) => !s.paused);
  const nextRunAt = earliest(active.map((s) => s.nextRunAt));
  // A pending retry matters only while the rotator is failing (a manual success makes it moot).
  const nextAttemptAt = row.failingSince ? earliest(coverage.schedules.map((s) => retryFor(row, s))) : undefined;
  if (nextAttemptAt) return { status: "retrying", nextAttemptAt, nextRunAt };
  if (row.failingSince) return { status: "failing", since: row.failingSince, nextRunAt };
  const overdueSince = earliest(
    active
      .filter((s) => !live(s.leaseOwner, s.leaseExpiresAt, now))
      .map((s) => earliest([s.nextRunAt, s.nextRetryAt]))
      .filter((due) => due && due.getTime() < now.getTime() - coverage.overdueGraceMs),
  );
  if (overdueSince) return { status: "overdue", dueAt: overdueSince, nextRunAt };
  if (coverage.schedules.length > 0 && active.length === 0) return { status: "paused" };
  if (!nextRunAt && !active.some((s) => live(s.leaseOwner, s.leaseExpiresAt, now))) return { status: "unscheduled" };
  return { status: "healthy", nextRunAt };
}

export function rotatorStatus(row: StatusRow, now = new Date(), coverage?: ScheduleCoverage): RotatorStatus {
  return rotatorStatusDetail(row, now, coverage).status;
}
