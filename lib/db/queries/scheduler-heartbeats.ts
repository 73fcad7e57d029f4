import "server-only";
import { eq, gt, lt, sql } from "drizzle-orm";
import { schedulerHeartbeats } from "../schema";
import type { DbOrTx } from "../client";

/** This scheduler process is alive until `ttlMs` from now; rows of processes gone for an hour are dropped. */
export async function beatSchedulerHeartbeat({ db, owner, ttlMs }: { db: DbOrTx; owner: string; ttlMs: number }) {
  const expiresAt = sql`now() + ${`${Math.ceil(ttlMs)} milliseconds`}::interval`;
  await db
    .insert(schedulerHeartbeats)
    .values({ owner, beatAt: sql`now()`, expiresAt })
    .onConflictDoUpdate({ target: schedulerHeartbeats.owner, set: { beatAt: sql`now()`, expiresAt } });
  await db.delete(schedulerHeartbeats).where(lt(schedulerHeartbeats.expiresAt, sql`now() - interval '1 hour'`));
}

export async function deleteSchedulerHeartbeat({ db, owner }: { db: DbOrTx; owner: string }) {
  await db.delete(schedulerHeartbeats).where(eq(schedulerHeartbeats.owner, owner));
}

/** Scheduler processes (servers and workers) that have beaten within their time to live. */
export async function countLiveSchedulers({ db }: { db: DbOrTx }): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(schedulerHeartbeats).where(gt(schedulerHeartbeats.expiresAt, sql`now()`));
  return Number(row?.n ?? 0);
}
