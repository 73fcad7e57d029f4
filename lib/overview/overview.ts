import "server-only";
/**
 * The overview (landing page) and the status of every rotator: one pass over rotators and schedules, so
 * the counts, the "needs attention" list and the metrics endpoint agree with the badges on every page.
 */
import type { AppContext } from "../app-context";
import type { RotationRun } from "../db/schema";
import { env } from "../env";
import { countEnvironments, countRunsPerDay, listRotatorsForMetrics } from "../db/queries/metrics";
import { listSchedules, listUpcomingSchedules } from "../db/queries/schedules";
import { listRuns } from "../db/queries/runs";
import { describeSchedule, longestGapMs, specFromStored } from "../schedules/schedule-spec";
import { rotatorStatusDetail, type RotatorStatus, type RotatorStatusDetail } from "../rotation/status";
import { coverageFrom } from "../schedules/service";

export const STATUS_ORDER: RotatorStatus[] = ["failing", "overdue", "retrying", "rotating", "paused", "unscheduled", "healthy", "never rotated"];

export interface RotatorWithStatus extends RotatorStatusDetail {
  id: string;
  name: string;
  type: string;
  environmentId: string;
  environmentName: string;
  lastRotatedAt: Date | null;
  /** The revision that introduced its current credential (a Rotate now request is bound to it). */
  stateRevision: number | null;
  lastError: string | null;
  /** The longest gap between upcoming runs of the schedules that cover it (none when unscheduled or paused). */
  expectedIntervalMs?: number;
}

/** Every rotator with its status (schedules taken into account). */
export async function listRotatorStatuses(app: AppContext, options: { now?: Date; overdueGraceMs?: number } = {}): Promise<RotatorWithStatus[]> {
  const now = options.now ?? new Date();
  const [rotators, schedules] = await Promise.all([listRotatorsForMetrics({ db: app.db }), listSchedules({ db: app.db })]);
  const coverage = coverageFrom(rotators, schedules, options.overdueGraceMs ?? env().scheduler.overdueGraceMs);
  const gaps = new Map(schedules.filter((s) => !s.paused).map((s) => [s.id, longestGapMs(specFromStored(s), { now })]));
  // Several schedules covering one rotator (its own, its environment's): the most frequent one sets the pace.
  const expectedInterval = (id: string) => {
    const covering = (coverage.get(id)?.schedules ?? []).map((s) => gaps.get(s.id)).filter((gap): gap is number => typeof gap === "number");
    return covering.length ? Math.min(...covering) : undefined;
  };
  return rotators.map((r) => ({
    id: r.id,
    name: r.name,
    type: r.type,
    environmentId: r.environmentId,
    environmentName: r.environmentName,
    lastRotatedAt: r.lastRotatedAt,
    stateRevision: r.stateRevision,
    lastError: r.lastError,
    expectedIntervalMs: expectedInterval(r.id),
    ...rotatorStatusDetail(r, now, coverage.get(r.id)),
  }));
}

export interface DayCount {
  /** YYYY-MM-DD (UTC) */
  day: string;
  succeeded: number;
  failed: number;
}

export interface Overview {
  environmentCount: number;
  rotatorCount: number;
  counts: Record<RotatorStatus, number>;
  /** Failing first, then overdue, then retrying: what someone must look at. */
  attention: RotatorWithStatus[];
  upcoming: {
    scheduleId: string;
    at: Date;
    retry: boolean;
    description: string;
    rotator: { id: string; name: string; type: string } | null;
    environment: { id: string; name: string };
  }[];
  perDay: DayCount[];
  recentRuns: RotationRun[];
}

const DAYS = 30;

export async function getOverview(app: AppContext, options: { now?: Date; overdueGraceMs?: number } = {}): Promise<Overview> {
  const now = options.now ?? new Date();
  const firstDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (DAYS - 1)));
  const [statuses, environmentCount, upcoming, perDayRows, recent] = await Promise.all([
    listRotatorStatuses(app, { now, overdueGraceMs: options.overdueGraceMs }),
    countEnvironments({ db: app.db }),
    listUpcomingSchedules({ db: app.db, limit: 10 }),
    countRunsPerDay({ db: app.db, since: firstDay }),
    listRuns({ db: app.db, filter: {}, limit: 10 }),
  ]);
  const counts = Object.fromEntries(STATUS_ORDER.map((s) => [s, 0])) as Record<RotatorStatus, number>;
  for (const r of statuses) counts[r.status]++;
  const rank = (s: RotatorStatus) => ["failing", "overdue", "retrying"].indexOf(s);
  const attention = statuses.filter((r) => rank(r.status) >= 0).sort((a, b) => rank(a.status) - rank(b.status) || a.name.localeCompare(b.name));

  const perDay: DayCount[] = [];
  for (let i = 0; i < DAYS; i++) {
    const day = new Date(firstDay.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    const of = (status: string) => perDayRows.filter((r) => r.day === day && r.status === status).reduce((n, r) => n + r.count, 0);
    perDay.push({ day, succeeded: of("succeeded"), failed: of("failed") });
  }

  return {
    environmentCount,
    rotatorCount: statuses.length,
    counts,
    attention,
    upcoming: upcoming.flatMap((u) => {
      const retry = Boolean(u.nextRetryAt && (!u.nextRunAt || u.nextRetryAt <= u.nextRunAt));
      const at = retry ? u.nextRetryAt : u.nextRunAt;
      const environmentId = u.environmentId ?? u.rotatorEnvironmentId;
      if (!at || !environmentId) return [];
      return [
        {
          scheduleId: u.id,
          at,
          retry,
          description: describeSchedule(specFromStored(u)),
          rotator: u.rotatorId && u.rotatorName ? { id: u.rotatorId, name: u.rotatorName, type: u.rotatorType ?? "" } : null,
          environment: { id: environmentId, name: u.environmentName ?? "" },
        },
      ];
    }),
    perDay,
    recentRuns: recent.runs,
  };
}
