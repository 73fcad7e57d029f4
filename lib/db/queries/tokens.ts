import "server-only";
import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { apiTokens, users, type ApiToken, type User } from "../schema";
import type { DbOrTx } from "../client";

export async function insertApiToken({ db, token }: { db: DbOrTx; token: typeof apiTokens.$inferInsert }): Promise<ApiToken> {
  const [row] = await db.insert(apiTokens).values(token).returning();
  return row;
}

/** The token with this hash and, for a personal token, its owner (one query: this runs on every API request). */
export async function getApiTokenByHash({ db, tokenHash }: { db: DbOrTx; tokenHash: string }): Promise<{ token: ApiToken; user: User | null } | undefined> {
  const [row] = await db.select({ token: apiTokens, user: users }).from(apiTokens).leftJoin(users, eq(users.id, apiTokens.userId)).where(eq(apiTokens.tokenHash, tokenHash));
  return row;
}

export async function getApiTokenById({ db, id }: { db: DbOrTx; id: string }): Promise<ApiToken | undefined> {
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id));
  return row;
}

/** Every token, or one user's personal tokens; newest first. */
export function listApiTokens({ db, userId }: { db: DbOrTx; userId?: string }): Promise<ApiToken[]> {
  return db
    .select()
    .from(apiTokens)
    .where(userId ? eq(apiTokens.userId, userId) : undefined)
    .orderBy(desc(apiTokens.createdAt));
}

export async function revokeApiTokenById({ db, id }: { db: DbOrTx; id: string }): Promise<ApiToken | undefined> {
  const [row] = await db.update(apiTokens).set({ revokedAt: new Date() }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt))).returning();
  return row;
}

/** Records a use at most once per `everyMs`, so a busy token does not write on every request. */
export async function touchApiToken({ db, id, everyMs }: { db: DbOrTx; id: string; everyMs: number }) {
  await db
    .update(apiTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(apiTokens.id, id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - ${`${everyMs} milliseconds`}::interval`))));
}
