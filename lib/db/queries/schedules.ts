import "server-only";
import { and, asc, eq, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { environments, rotators, schedules, type Schedule } from "../schema";
import type { DbOrTx, Tx } from "../client";

export type ScheduleTarget = { rotatorId: string } | { environmentId: string };
export type ScheduleInsert = typeof schedules.$inferInsert;
export type SchedulePatch = Partial<Omit<ScheduleInsert, "id" | "rotatorId" | "environmentId" | "createdAt">>;

function targetCondition(target: ScheduleTarget): SQL {
  return "rotatorId" in target ? eq(schedules.rotatorId, target.rotatorId) : eq(schedules.environmentId, target.environmentId);
}

export async function getScheduleById({ db, id }: { db: DbOrTx; id: string }): Promise<Schedule | undefined> {
  const [row] = await db.select().from(schedules).where(eq(schedules.id, id));
  return row;
}

export async function getScheduleByTarget({ db, target }: { db: DbOrTx; target: ScheduleTarget }): Promise<Schedule | undefined> {
  const [row] = await db.select().from(schedules).where(targetCondition(target));
  return row;
}

export async function insertSchedule({ db, schedule }: { db: DbOrTx; schedule: ScheduleInsert }): Promise<Schedule> {
  const [row] = await db.insert(schedules).values(schedule).returning();
  return row;
}

export async function updateScheduleById({ db, id, patch }: { db: DbOrTx; id: string; patch: SchedulePatch }): Promise<Schedule | undefined> {
  const [row] = await db.update(schedules).set({ ...patch, updatedAt: new Date() }).where(eq(schedules.id, id)).returning();
  return row;
}

export async function deleteScheduleById({ db, id }: { db: DbOrTx; id: string }) {
  await db.delete(schedules).where(eq(schedules.id, id));
}

/** Every schedule that rotates one of these rotators: their own, and their environments'. */
export function listSchedulesByRotators({ db, rotatorIds, environmentIds }: { db: DbOrTx; rotatorIds: string[]; environmentIds: string[] }): Promise<Schedule[]> {
  const conditions: SQL[] = [];
  if (rotatorIds.length) conditions.push(inArray(schedules.rotatorId, rotatorIds));
  if (environmentIds.length) conditions.push(inArray(schedules.environmentId, environmentIds));
  if (conditions.length === 0) return Promise.resolve([]);
  return db.select().from(schedules).where(or(...conditions));
}

export function listSchedules({ db }: { db: DbOrTx }): Promise<Schedule[]> {
  return db.select().from(schedules);
}

/** Upcoming runs, soonest first, with what they rotate (for the overview). */
export function listUpcomingSchedules({ db, limit }: { db: DbOrTx; limit: number }) {
  return db
    .select({
      id: schedules.id,
      rotatorId: schedules.rotatorId,
      environmentId: schedules.environmentId,
      kind: schedules.kind,
      cron: schedules.cron,
      timezone: schedules.timezone,
      intervalSeconds: schedules.intervalSeconds,
      intervalAt: schedules.intervalAt,
      runAt: schedules.runAt,
      windowMinutes: schedules.windowMinutes,
      nextRunAt: schedules.nextRunAt,
      nextRetryAt: schedules.nextRetryAt,
      rotatorName: rotators.name,
      rotatorType: rotators.type,
      rotatorEnvironmentId: rotators.environmentId,
      environmentName: environments.name,
    })
    .from(schedules)
    .leftJoin(rotators, eq(rotators.id, schedules.rotatorId))
    .leftJoin(environments, eq(environments.id, sql`coalesce(${schedules.environmentId}, ${rotators.environmentId})`))
    .where(and(eq(schedules.paused, false), or(isNotNull(schedules.nextRunAt), isNotNull(schedules.nextRetryAt))))
    .orderBy(asc(sql`least(${schedules.nextRunAt}, ${schedules.nextRetryAt})`))
    .limit(limit);
}

const leaseIsFree = () => or(isNull(schedules.leaseOwner), lt(schedules.leaseExpiresAt, sql`now()`))!;
const isDue = () => or(lte(schedules.nextRunAt, sql`now()`), lte(schedules.nextRetryAt, sql`now()`))!;

/**
 * Claims up to `limit` due schedules for `owner`: one transaction that locks the due rows it takes
 * (FOR UPDATE SKIP LOCKED, so several processes claim at the same moment without waiting on each other or
 * taking a row twice), then leases exactly those rows.
 *
 * Why two statements and not `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`: once the
 * table has been analyzed, PostgreSQL may plan that as a nested-loop semi-join that re-runs the subquery for
 * every outer row; each re-run skips the rows the UPDATE has already changed and locks the next `n`, so the
 * claim takes every due row whatever `limit` says (schedules.test.ts shows it on an analyzed table).
 */
export async function claimDueSchedules({ db, owner, ttlMs, limit }: { db: DbOrTx; owner: string; ttlMs: number; limit: number }): Promise<Schedule[]> {
  if (limit <= 0) return [];
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: schedules.id })
      .from(schedules)
      .where(and(eq(schedules.paused, false), isDue(), leaseIsFree()))
      .orderBy(asc(sql`least(${schedules.nextRunAt}, ${schedules.nextRetryAt})`))
      .limit(limit)
      .for("update", { skipLocked: true });
    if (due.length === 0) return [];
    return tx
      .update(schedules)
      .set({ leaseOwner: owner, leaseExpiresAt: sql`now() + ${`${ttlMs} milliseconds`}::interval` })
      .where(inArray(schedules.id, due.map((row) => row.id)))
      .returning();
  });
}

/** Extends a lease we hold; false when it was lost. */
export async function renewScheduleLease({ db, id, owner, ttlMs }: { db: DbOrTx; id: string; owner: string; ttlMs: number }): Promise<boolean> {
  const rows = await db
    .update(schedules)
    .set({ leaseExpiresAt: sql`now() + ${`${ttlMs} milliseconds`}::interval` })
    .where(and(eq(schedules.id, id), eq(schedules.leaseOwner, owner)))
    .returning({ id: schedules.id });
  return rows.length > 0;
}

/** The schedule row, locked for the rest of the transaction, if `owner` still holds its lease. */
export async function lockLeasedSchedule({ tx, id, owner }: { tx: Tx; id: string; owner: string }): Promise<Schedule | undefined> {
  const [row] = await tx.select().from(schedules).where(and(eq(schedules.id, id), eq(schedules.leaseOwner, owner))).for("update");
  return row;
}

/** Schedules whose lease was taken by an owner starting with `prefix` (lib/rotation/lease-owner.ts). */
export function listScheduleLeasesByOwnerPrefix({ db, prefix }: { db: DbOrTx; prefix: string }) {
  return db
    .select({ id: schedules.id, rotatorId: schedules.rotatorId, environmentId: schedules.environmentId, leaseOwner: schedules.leaseOwner })
    .from(schedules)
    .where(sql`starts_with(${schedules.leaseOwner}, ${prefix})`);
}

export async function releaseScheduleLease({ db, id, owner }: { db: DbOrTx; id: string; owner: string }) {
  await db.update(schedules).set({ leaseOwner: null, leaseExpiresAt: null }).where(and(eq(schedules.id, id), eq(schedules.leaseOwner, owner)));
}

/**
 * Marks schedules whose run is overdue (due for longer than `graceMs`, not running, not paused) as notified
 * and returns them — each overdue episode once, across processes. Running the schedule clears the mark.
 */
export async function claimOverdueSchedules({ db, graceMs }: { db: DbOrTx; graceMs: number }): Promise<Schedule[]> {
  return db
    .update(schedules)
    .set({ overdueNotifiedAt: sql`now()` })
    .where(
      and(
        eq(schedules.paused, false),
        isNull(schedules.overdueNotifiedAt),
        leaseIsFree(),
        lt(sql`least(${schedules.nextRunAt}, ${schedules.nextRetryAt})`, sql`now() - ${`${Math.round(graceMs)} milliseconds`}::interval`),
      ),
    )
    .returning();
}
