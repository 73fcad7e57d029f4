import "server-only";
import { and, asc, eq, getTableColumns, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { environments, rotationRuns, rotators, schedules, type Schedule } from "../schema";
import { rowsOf } from "./audit";
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

/**
 * Every write of a schedule's own fields goes through here and stamps `updatedAt`: the scheduler's finish
 * (finishLeasedSchedule) compares it with the claim's version to tell that a user edited the schedule during
 * its run. A new writer of those fields must stamp it too; the lease fields alone need not.
 */
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

/** What a regular or retry run checks about a rotator schedule's rotator before rotating it. */
export interface ClaimedRotator {
  lastRotatedAt: Date | null;
  failingSince: Date | null;
  /** The rotator's last run was held by the lockout guard (so a pending retry is the deferred rotation). */
  lastRunHeld: boolean;
}

export interface ClaimedSchedule {
  schedule: Schedule;
  /** `updated_at` as the store wrote it (to the microsecond): finishLeasedSchedule's "unchanged since the claim". */
  version: string;
  /** A rotator schedule's rotator as it was at the claim; null for an environment schedule, or when the rotator is gone. */
  rotator: ClaimedRotator | null;
}

const scheduleColumns = Object.entries(getTableColumns(schedules));

/** A row of raw SQL (column names, driver values: both drivers hand timestamps to Drizzle as text) as a Schedule. */
function scheduleFromRow(row: Record<string, unknown>): Schedule {
  return Object.fromEntries(scheduleColumns.map(([key, column]) => [key, row[column.name] == null ? null : column.mapFromDriverValue(row[column.name])])) as Schedule;
}

const timestampFromRow = (value: unknown): Date | null => (value == null ? null : (rotators.lastRotatedAt.mapFromDriverValue(value as string) as Date));

/**
 * Claims up to `limit` due schedules for `owner`, in one statement: the CTE locks the due rows it takes
 * (FOR UPDATE SKIP LOCKED, so several processes claim at the same moment without waiting on each other or
 * taking a row twice), the UPDATE leases exactly those, and the outer SELECT adds what the scheduler checks
 * about a rotator schedule's rotator before rotating it, so the claim is the only read before rotateNow.
 *
 * Why `due AS MATERIALIZED` and not `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`: once
 * the table has been analyzed, PostgreSQL may plan that as a nested-loop semi-join that re-runs the subquery
 * for every outer row; each re-run skips the rows the UPDATE has already changed and locks the next `n`, so
 * the claim takes every due row whatever `limit` says (schedules.test.ts shows it on an analyzed table). A
 * materialized CTE is evaluated once, whatever the plan, and the UPDATE joins its rows.
 */
export async function claimDueSchedules({ db, owner, ttlMs, limit }: { db: DbOrTx; owner: string; ttlMs: number; limit: number }): Promise<ClaimedSchedule[]> {
  if (limit <= 0) return [];
  const due = db
    .select({ id: schedules.id })
    .from(schedules)
    .where(and(eq(schedules.paused, false), isDue(), leaseIsFree()))
    .orderBy(asc(sql`least(${schedules.nextRunAt}, ${schedules.nextRetryAt})`))
    .limit(limit)
    .for("update", { skipLocked: true });
  const lease = db
    .update(schedules)
    .set({ leaseOwner: owner, leaseExpiresAt: sql`now() + ${`${ttlMs} milliseconds`}::interval` })
    .from(sql`due`)
    .where(sql`${schedules.id} = due.id`)
    .returning();
  const result = await db.execute(sql`with due as materialized (${due.getSQL()}), claimed as (${lease.getSQL()})
    select claimed.*, claimed.updated_at::text as version, r.id is not null as rotator_found, r.last_rotated_at as rotator_last_rotated_at,
      r.failing_since as rotator_failing_since, coalesce(last_run.status = 'held', false) as rotator_last_run_held
    from claimed
    left join ${rotators} r on r.id = claimed.rotator_id
    left join ${rotationRuns} last_run on last_run.id = r.last_run_id`);
  return rowsOf<Record<string, unknown>>(result).map((row) => ({
    schedule: scheduleFromRow(row),
    version: row.version as string,
    rotator: row.rotator_found
      ? {
          lastRotatedAt: timestampFromRow(row.rotator_last_rotated_at),
          failingSince: timestampFromRow(row.rotator_failing_since),
          lastRunHeld: row.rotator_last_run_held === true,
        }
      : null,
  }));
}

/**
 * Records a finished run and releases the lease in one statement, if `owner` still holds the lease and nobody
 * changed the schedule since the claim (`version`, from claimDueSchedules). False otherwise: then the caller
 * takes the row with lockLeasedSchedule and plans from what it holds now (a user's edit during the run is
 * kept), or finds that the schedule is gone or its lease lost.
 */
export async function finishLeasedSchedule({ db, id, owner, version, patch }: { db: DbOrTx; id: string; owner: string; version: string; patch: SchedulePatch }): Promise<boolean> {
  const rows = await db
    .update(schedules)
    .set({ ...patch, leaseOwner: null, leaseExpiresAt: null, updatedAt: new Date() })
    .where(and(eq(schedules.id, id), eq(schedules.leaseOwner, owner), sql`${schedules.updatedAt} = ${version}::timestamptz`))
    .returning({ id: schedules.id });
  return rows.length > 0;
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
