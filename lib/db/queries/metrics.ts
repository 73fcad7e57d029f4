import "server-only";
import { and, asc, eq, gt, gte, inArray, sql } from "drizzle-orm";
import { environments, rotationRunDays, rotationRunTotals, rotationRuns, rotators, webhookDeliveries } from "../schema";
import type { DbOrTx } from "../client";
import { rowsOf } from "./audit";

export interface RunTotals {
  type: string;
  status: "succeeded" | "failed";
  runs: number;
  durationSecondsSum: number;
  /** Cumulative counts, one per bound (same order as the bounds). */
  durationBuckets: number[];
}

/**
 * Finished runs by rotator type and status, with their duration buckets: kept by a trigger as runs finish
 * (rotation_run_totals), so this reads a handful of rows however long the history is.
 */
export async function getRunTotals({ db }: { db: DbOrTx }): Promise<{ bounds: number[]; totals: RunTotals[] }> {
  const [totals, bounds] = await Promise.all([
    db.select().from(rotationRunTotals).orderBy(asc(rotationRunTotals.rotatorType), asc(rotationRunTotals.status)),
    db.execute(sql`select rotor_run_duration_bounds() as bounds`),
  ]);
  return {
    bounds: (rowsOf<{ bounds: number[] }>(bounds)[0]?.bounds ?? []).map(Number),
    totals: totals.map((t) => ({ type: t.rotatorType, status: t.status, runs: t.runs, durationSecondsSum: t.durationSecondsSum, durationBuckets: t.durationBuckets.map(Number) })),
  };
}

/** Runs started and not finished, by rotator type (served by the status index: few rows match). */
export async function countUnfinishedRunsByType({ db }: { db: DbOrTx }) {
  const rows = await db
    .select({ type: rotationRuns.rotatorType, count: sql<number>`count(*)::int` })
    .from(rotationRuns)
    .where(inArray(rotationRuns.status, ["pending", "running"]))
    .groupBy(rotationRuns.rotatorType);
  return rows.map((r) => ({ type: r.type, count: Number(r.count) }));
}

/** Every rotator with what its gauges need. */
export function listRotatorsForMetrics({ db }: { db: DbOrTx }) {
  return db
    .select({
      id: rotators.id,
      name: rotators.name,
      type: rotators.type,
      environmentId: rotators.environmentId,
      environmentName: environments.name,
      lastRotatedAt: rotators.lastRotatedAt,
      stateRevision: rotators.stateRevision,
      failingSince: rotators.failingSince,
      lastError: rotators.lastError,
      leaseOwner: rotators.leaseOwner,
      leaseExpiresAt: rotators.leaseExpiresAt,
    })
    .from(rotators)
    .innerJoin(environments, eq(environments.id, rotators.environmentId))
    .orderBy(asc(environments.name), asc(rotators.name));
}

export async function countDeliveriesByStatus({ db }: { db: DbOrTx }) {
  const rows = await db
    .select({ status: webhookDeliveries.status, count: sql<number>`count(*)::int` })
    .from(webhookDeliveries)
    .groupBy(webhookDeliveries.status);
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

export async function countEnvironments({ db }: { db: DbOrTx }): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(environments);
  return Number(row?.n ?? 0);
}

/**
 * Finished runs per UTC day (of their start) and status since `since` (days without runs are absent): read
 * from rotation_run_days, which the store keeps equal to a direct count, so this is one small range read
 * however many runs a month holds.
 */
export async function countRunsPerDay({ db, since }: { db: DbOrTx; since: Date }) {
  const rows = await db
    .select({ day: rotationRunDays.day, status: rotationRunDays.status, count: rotationRunDays.runs })
    .from(rotationRunDays)
    .where(and(gte(rotationRunDays.day, since.toISOString().slice(0, 10)), gt(rotationRunDays.runs, 0)));
  return rows.map((r) => ({ day: String(r.day), status: r.status, count: Number(r.count) }));
}
