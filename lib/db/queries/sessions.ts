import "server-only";
import { and, desc, eq, gt, isNull, lt, ne, or, sql } from "drizzle-orm";
import { userSessions, type UserSession } from "../schema";
import type { DbOrTx } from "../client";

export async function insertUserSession({
  db,
  session,
}: {
  db: DbOrTx;
  session: typeof userSessions.$inferInsert;
}): Promise<UserSession> {
  const [row] = await db.insert(userSessions).values(session).returning();
  return row;
}

export async function getUserSessionById({ db, id }: { db: DbOrTx; id: string }): Promise<UserSession | undefined> {
  const [row] = await db.select().from(userSessions).where(eq(userSessions.id, id));
  return row;
}

/** Sessions that still work (not revoked, not expired), newest first. */
export function listActiveUserSessions({ db, userId, now = new Date() }: { db: DbOrTx; userId: string; now?: Date }): Promise<UserSession[]> {
  return db
    .select()
    .from(userSessions)
    .where(and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt), gt(userSessions.expiresAt, now)))
    .orderBy(desc(userSessions.lastSeenAt));
}

/** Revokes one session of a user; returns it if it was active. */
export async function revokeUserSession({ db, userId, id }: { db: DbOrTx; userId: string; id: string }): Promise<UserSession | undefined> {
  const [row] = await db
    .update(userSessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(userSessions.id, id), eq(userSessions.userId, userId), isNull(userSessions.revokedAt)))
    .returning();
  return row;
}

/** Revokes every active session of a user, except `keepId` when given; returns how many. */
export async function revokeUserSessions({ db, userId, keepId }: { db: DbOrTx; userId: string; keepId?: string }): Promise<number> {
  const rows = await db
    .update(userSessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt), keepId ? ne(userSessions.id, keepId) : undefined))
    .returning({ id: userSessions.id });
  return rows.length;
}

export async function touchUserSession({ db, id, at }: { db: DbOrTx; id: string; at: Date }): Promise<void> {
  await db.update(userSessions).set({ lastSeenAt: at }).where(eq(userSessions.id, id));
}

/** Removes rows that can no longer be used (expired or revoked a day ago): the list stays small. */
export async function deleteDeadUserSessions({ db, before }: { db: DbOrTx; before: Date }): Promise<void> {
  await db
    .delete(userSessions)
    .where(or(lt(userSessions.expiresAt, before), lt(userSessions.revokedAt, before)) ?? sql`false`);
}
