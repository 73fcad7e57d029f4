import "server-only";
import { desc, eq, getTableColumns, lt, or, sql } from "drizzle-orm";
import { apiTokens, environmentConsumers, type EnvironmentConsumer } from "../schema";
import type { DbOrTx } from "../client";

export interface ConsumerRecord {
  environmentId: string;
  consumerKey: string;
  tokenId: string | null;
  userId: string | null;
  label: string;
  revision: number;
}

/**
 * Records that a consumer received `revision`. A repeat of the same revision (a 304) only refreshes the time,
 * and at most once per `refreshEveryMs`, so polling consumers do not write on every request.
 */
export async function upsertConsumer({ db, consumer, refreshEveryMs }: { db: DbOrTx; consumer: ConsumerRecord; refreshEveryMs: number }) {
  await db
    .insert(environmentConsumers)
    .values(consumer)
    .onConflictDoUpdate({
      target: [environmentConsumers.environmentId, environmentConsumers.consumerKey],
      set: { revision: consumer.revision, label: consumer.label, lastOpenedAt: sql`now()` },
      setWhere: or(
        sql`${environmentConsumers.revision} <> ${consumer.revision}`,
        lt(environmentConsumers.lastOpenedAt, sql`now() - ${`${refreshEveryMs} milliseconds`}::interval`),
      ),
    });
}

/** A consumer with the state of its token (null for a dashboard user): what decides whether it can still read. */
export type ConsumerWithToken = EnvironmentConsumer & { tokenRevokedAt: Date | null; tokenExpiresAt: Date | null };

const withToken = { ...getTableColumns(environmentConsumers), tokenRevokedAt: apiTokens.revokedAt, tokenExpiresAt: apiTokens.expiresAt };

/** Everyone who opened the environment, most recent first. */
export function listConsumersByEnvironment({ db, environmentId }: { db: DbOrTx; environmentId: string }): Promise<ConsumerWithToken[]> {
  return db
    .select(withToken)
    .from(environmentConsumers)
    .leftJoin(apiTokens, eq(apiTokens.id, environmentConsumers.tokenId))
    .where(eq(environmentConsumers.environmentId, environmentId))
    .orderBy(desc(environmentConsumers.lastOpenedAt));
}
