import "server-only";
import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { environmentConsumers, type EnvironmentConsumer } from "../schema";
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

export function listConsumersByEnvironment({ db, environmentId }: { db: DbOrTx; environmentId: string }): Promise<EnvironmentConsumer[]> {
  return db.select().from(environmentConsumers).where(eq(environmentConsumers.environmentId, environmentId)).orderBy(desc(environmentConsumers.lastOpenedAt));
}

/** Consumers whose last received revision is older than `revision` (they still hold what came before it). */
export function listConsumersBehind({ db, environmentId, revision }: { db: DbOrTx; environmentId: string; revision: number }) {
  return db
    .select()
    .from(environmentConsumers)
    .where(and(eq(environmentConsumers.environmentId, environmentId), lt(environmentConsumers.revision, revision)))
    .orderBy(desc(environmentConsumers.lastOpenedAt));
}
