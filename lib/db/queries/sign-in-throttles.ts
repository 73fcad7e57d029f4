import "server-only";
import { and, asc, eq, gt, isNotNull, sql } from "drizzle-orm";
import { signInThrottles, type SignInThrottle } from "../schema";
import type { DbOrTx, Tx } from "../client";

/** Locks the throttle rows of these keys (created when missing) for the transaction, in key order. */
export async function lockSignInThrottles({ tx, keys }: { tx: Tx; keys: readonly string[] }): Promise<Map<string, SignInThrottle>> {
  const sorted = [...new Set(keys)].sort();
  const out = new Map<string, SignInThrottle>();
  for (const key of sorted) {
    await tx.insert(signInThrottles).values({ key, failures: 0 }).onConflictDoNothing();
    const [row] = await tx.select().from(signInThrottles).where(eq(signInThrottles.key, key)).for("update");
    out.set(key, row);
  }
  return out;
}

export async function updateSignInThrottle({
  tx,
  key,
  patch,
}: {
  tx: DbOrTx;
  key: string;
  patch: Partial<Pick<SignInThrottle, "failures" | "lastFailureAt" | "blockedUntil" | "lockedAt">>;
}): Promise<void> {
  await tx.update(signInThrottles).set(patch).where(eq(signInThrottles.key, key));
}

export async function deleteSignInThrottle({ db, key }: { db: DbOrTx; key: string }): Promise<SignInThrottle | undefined> {
  const [row] = await db.delete(signInThrottles).where(eq(signInThrottles.key, key)).returning();
  return row;
}

/** Locks in force now (not mere backoffs), oldest first. */
export function listSignInLocks({ db, now }: { db: DbOrTx; now: Date }): Promise<SignInThrottle[]> {
  return db
    .select()
    .from(signInThrottles)
    .where(and(isNotNull(signInThrottles.lockedAt), gt(signInThrottles.blockedUntil, now)))
    .orderBy(asc(signInThrottles.lockedAt));
}

/** Forgets rows with nothing left to enforce (no block in force, last failure before `before`). */
export async function deleteStaleSignInThrottles({ db, now, before }: { db: DbOrTx; now: Date; before: Date }): Promise<void> {
  await db
    .delete(signInThrottles)
    .where(sql`${signInThrottles.lastFailureAt} < ${before} and (${signInThrottles.blockedUntil} is null or ${signInThrottles.blockedUntil} <= ${now})`);
}
