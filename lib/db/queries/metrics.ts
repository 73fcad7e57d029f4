import "server-only";
import { asc, eq, gte, sql } from "drizzle-orm";
import { environments, rotationRuns, rotators, webhookDeliveries } from "../schema";
import type { DbOrTx } from "../client";
import { rowsOf } from "./audit";

/** Finished and unfinished runs by rotator type and status (all time). */
export async function countRunsByTypeAndStatus({ db }: { db: DbOrTx }) {
  const rows = await db
    .select({ type: rotationRuns.rotatorType, status: rotationRuns.status, count: sql<number>`count(*)::int` })
    .from(rotationRuns)
    .groupBy(rotationRuns.rotatorType, rotationRuns.status);
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

export interface DurationHistogram {
  type: string;
  count: number;
  sumSeconds: number;
  /** Cumulative counts, one per bucket bound (same order as the bounds). */
  buckets: number[];
}

/** Durations of finished runs per rotator type, as cumulative histogram buckets (Prometheus style). */
export async function runDurationHistogram({ db, bounds }: { db: DbOrTx; bounds: number[] }): Promise<DurationHistogram[]> {
  const seconds = sql`extract(epoch from (${rotationRuns.finishedAt} - ${rotationRuns.startedAt}))`;
  const bucketColumns = sql.join(
    bounds.map((b, i) => sql`count(*) filter (where ${seconds} <= ${b})::int as ${sql.raw(`b${i}`)}`),
    sql`, `,
  );
  const result = await db.execute(sql`
    select ${rotationRuns.rotatorType} as type, count(*)::int as count, coalesce(sum(${seconds}), 0)::float8 as sum, ${bucketColumns}
    from ${rotationRuns}
    where ${rotationRuns.finishedAt} is not null and ${rotationRuns.status} in ('succeeded', 'failed')
    group by ${rotationRuns.rotatorType}
    order by ${rotationRuns.rotatorType}`);
  return rowsOf<Record<string, unknown>>(result).map((row) => ({
    type: String(row.type),
    count: Number(row.count),
    sumSeconds: Number(row.sum),
    buckets: bounds.map((_, i) => Number(row[`b${i}`])),
  }));
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

/** Finished runs per UTC day and status since `since` (days without runs are absent). */
export async function countRunsPerDay({ db, since }: { db: DbOrTx; since: Date }) {
  const day = sql<string>`to_char(${rotationRuns.startedAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  const rows = await db
    .select({ day, status: rotationRuns.status, count: sql<number>`count(*)::int` })
    .from(rotationRuns)
    .where(gte(rotationRuns.startedAt, since))
    .groupBy(day, rotationRuns.status);
  return rows.map((r) => ({ day: String(r.day), status: r.status, count: Number(r.count) }));
}
