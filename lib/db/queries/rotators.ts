import "server-only";
import { and, asc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { rotators, type RotatorRow } from "../schema";
import type { DbOrTx } from "../client";

export async function getRotatorById({ db, id }: { db: DbOrTx; id: string }): Promise<RotatorRow | undefined> {
  const [row] = await db.select().from(rotators).where(eq(rotators.id, id));
  return row;
}

export function listRotatorsByEnvironment({ db, environmentId }: { db: DbOrTx; environmentId: string }): Promise<RotatorRow[]> {
  return db.select().from(rotators).where(eq(rotators.environmentId, environmentId)).orderBy(asc(rotators.name));
}

/** One page of an environment's rotators by name, and how many it has in all (the environment page). */
export async function listRotatorsPageByEnvironment({ db, environmentId, offset, limit }: { db: DbOrTx; environmentId: string; offset: number; limit: number }) {
  const [rows, [{ total }]] = await Promise.all([
    db.select().from(rotators).where(eq(rotators.environmentId, environmentId)).orderBy(asc(rotators.name), asc(rotators.id)).offset(offset).limit(limit),
    db.select({ total: sql<number>`count(*)::int` }).from(rotators).where(eq(rotators.environmentId, environmentId)),
  ]);
  return { rotators: rows, total: Number(total) };
}

export async function getRotatorByName({ db, environmentId, name }: { db: DbOrTx; environmentId: string; name: string }) {
  const [row] = await db
    .select()
    .from(rotators)
    .where(and(eq(rotators.environmentId, environmentId), sql`lower(${rotators.name}) = lower(${name})`));
  return row;
}

export async function insertRotator({ db, rotator }: { db: DbOrTx; rotator: typeof rotators.$inferInsert }): Promise<RotatorRow> {
  const [row] = await db.insert(rotators).values(rotator).returning();
  return row;
}

/** `releaseLeaseOf`: also releases the lease if `owner` holds it, in the same statement (the engine's commit). */
export async function updateRotatorById({ db, id, patch, releaseLeaseOf }: { db: DbOrTx; id: string; patch: Partial<typeof rotators.$inferInsert>; releaseLeaseOf?: string }) {
  const held = releaseLeaseOf === undefined ? undefined : sql`${rotators.leaseOwner} = ${releaseLeaseOf}`;
  const release = held ? { leaseOwner: sql`case when ${held} then null else ${rotators.leaseOwner} end`, leaseExpiresAt: sql`case when ${held} then null else ${rotators.leaseExpiresAt} end` } : {};
  const [row] = await db.update(rotators).set({ ...patch, ...release, updatedAt: new Date() }).where(eq(rotators.id, id)).returning();
  return row;
}

export async function deleteRotatorById({ db, id }: { db: DbOrTx; id: string }) {
  await db.delete(rotators).where(eq(rotators.id, id));
}

/**
 * Takes the rotator's lease if nobody holds it or the holder's lease ran out (a crashed process).
 * One atomic UPDATE, so two processes racing for it cannot both win.
 */
export async function acquireRotatorLease({ db, id, owner, ttlMs }: { db: DbOrTx; id: string; owner: string; ttlMs: number }) {
  const [row] = await db
    .update(rotators)
    .set({ leaseOwner: owner, leaseExpiresAt: sql`now() + ${`${ttlMs} milliseconds`}::interval` })
    .where(and(eq(rotators.id, id), or(isNull(rotators.leaseOwner), lt(rotators.leaseExpiresAt, sql`now()`))))
    .returning();
  return row;
}

/** Extends a lease we hold; false when it was lost (expired and taken by another process). */
export async function renewRotatorLease({ db, id, owner, ttlMs }: { db: DbOrTx; id: string; owner: string; ttlMs: number }) {
  const rows = await db
    .update(rotators)
    .set({ leaseExpiresAt: sql`now() + ${`${ttlMs} milliseconds`}::interval` })
    .where(and(eq(rotators.id, id), eq(rotators.leaseOwner, owner)))
    .returning({ id: rotators.id });
  return rows.length > 0;
}

export async function releaseRotatorLease({ db, id, owner }: { db: DbOrTx; id: string; owner: string }) {
  await db
    .update(rotators)
    .set({ leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(rotators.id, id), eq(rotators.leaseOwner, owner)));
}

/** Rotators whose lease was taken by an owner starting with `prefix` (lib/rotation/lease-owner.ts). */
export function listRotatorLeasesByOwnerPrefix({ db, prefix }: { db: DbOrTx; prefix: string }) {
  return db
    .select({ id: rotators.id, name: rotators.name, environmentId: rotators.environmentId, leaseOwner: rotators.leaseOwner })
    .from(rotators)
    .where(sql`starts_with(${rotators.leaseOwner}, ${prefix})`);
}

export async function deleteRotatorsByEnvironment({ db, environmentId }: { db: DbOrTx; environmentId: string }) {
  await db.delete(rotators).where(eq(rotators.environmentId, environmentId));
}
