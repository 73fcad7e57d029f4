import "server-only";
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, or, sql } from "drizzle-orm";
import { rotationRuns, rotators, webhookDeliveries, webhooks, type RotationRun, type RotatorRow, type Webhook, type WebhookDelivery } from "../schema";
import type { DbOrTx } from "../client";

// ---- webhooks -------------------------------------------------------------------------------------------

export function listWebhooks({ db }: { db: DbOrTx }): Promise<Webhook[]> {
  return db.select().from(webhooks).orderBy(asc(webhooks.name));
}

export async function getWebhookById({ db, id }: { db: DbOrTx; id: string }): Promise<Webhook | undefined> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
  return row;
}

export async function getWebhookByName({ db, name }: { db: DbOrTx; name: string }): Promise<Webhook | undefined> {
  const [row] = await db.select().from(webhooks).where(sql`lower(${webhooks.name}) = lower(${name})`);
  return row;
}

export async function insertWebhook({ db, webhook }: { db: DbOrTx; webhook: typeof webhooks.$inferInsert }): Promise<Webhook> {
  const [row] = await db.insert(webhooks).values(webhook).returning();
  return row;
}

export async function updateWebhookById({ db, id, patch }: { db: DbOrTx; id: string; patch: Partial<typeof webhooks.$inferInsert> }) {
  const [row] = await db.update(webhooks).set({ ...patch, updatedAt: new Date() }).where(eq(webhooks.id, id)).returning();
  return row;
}

export async function deleteWebhookById({ db, id }: { db: DbOrTx; id: string }) {
  await db.delete(webhooks).where(eq(webhooks.id, id));
}

/** Enabled webhooks that want this event: global ones, and those of the event's environment. */
export async function listWebhooksForEvent({ db, eventType, environmentId }: { db: DbOrTx; eventType: string; environmentId: string | null }) {
  const rows = await db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.enabled, true), environmentId ? or(isNull(webhooks.environmentId), eq(webhooks.environmentId, environmentId)) : isNull(webhooks.environmentId)));
  return rows.filter((w) => (w.events as string[]).includes(eventType));
}

// ---- deliveries -----------------------------------------------------------------------------------------

export async function insertDeliveries({ db, deliveries }: { db: DbOrTx; deliveries: (typeof webhookDeliveries.$inferInsert)[] }): Promise<WebhookDelivery[]> {
  if (deliveries.length === 0) return [];
  return db.insert(webhookDeliveries).values(deliveries).returning();
}

/** The delivery log, newest first; `webhookId` narrows it to one webhook. */
export function listDeliveries({ db, webhookId, limit }: { db: DbOrTx; webhookId?: string; limit: number }) {
  return db
    .select({
      id: webhookDeliveries.id,
      webhookId: webhookDeliveries.webhookId,
      webhookName: webhooks.name,
      eventType: webhookDeliveries.eventType,
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      responseStatus: webhookDeliveries.responseStatus,
      lastError: webhookDeliveries.lastError,
      createdAt: webhookDeliveries.createdAt,
      lastAttemptAt: webhookDeliveries.lastAttemptAt,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
      deliveredAt: webhookDeliveries.deliveredAt,
    })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(webhookId ? eq(webhookDeliveries.webhookId, webhookId) : undefined)
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit);
}

const deliveryLeaseFree = () => or(isNull(webhookDeliveries.leaseOwner), lt(webhookDeliveries.leaseExpiresAt, sql`now()`))!;

/**
 * Claims due deliveries (pending, attempt time reached, not leased) for `owner`, atomically, like schedules:
 * several processes never send the same attempt at once. `ids` restricts the claim (the "Send test" button
 * delivers its own delivery at once).
 */
export async function claimDueDeliveries({ db, owner, ttlMs, limit, ids }: { db: DbOrTx; owner: string; ttlMs: number; limit: number; ids?: string[] }) {
  if (limit <= 0) return [];
  const conditions = [eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, sql`now()`), deliveryLeaseFree()];
  if (ids) conditions.push(inArray(webhookDeliveries.id, ids));
  const due = db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(...conditions))
    .orderBy(asc(webhookDeliveries.nextAttemptAt))
    .limit(limit)
    .for("update", { skipLocked: true });
  return db
    .update(webhookDeliveries)
    .set({ leaseOwner: owner, leaseExpiresAt: sql`now() + ${`${ttlMs} milliseconds`}::interval` })
    .where(and(inArray(webhookDeliveries.id, due), ...conditions))
    .returning();
}

/** Records an attempt and releases the lease (only if `owner` still holds it). */
export async function finishDeliveryAttempt({ db, id, owner, patch }: { db: DbOrTx; id: string; owner: string; patch: Partial<typeof webhookDeliveries.$inferInsert> }) {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ ...patch, leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.leaseOwner, owner)))
    .returning();
  return row;
}

/** Forgets finished deliveries older than `days` (the log is for recent history; events are in the audit). */
export async function deleteOldDeliveries({ db, days }: { db: DbOrTx; days: number }): Promise<number> {
  const rows = await db
    .delete(webhookDeliveries)
    .where(and(inArray(webhookDeliveries.status, ["succeeded", "failed"]), lt(webhookDeliveries.createdAt, sql`now() - ${`${days} days`}::interval`)))
    .returning({ id: webhookDeliveries.id });
  return rows.length;
}

// ---- notification state (outbox claims; each returns a row to exactly one process) -------------------------

/** Finished runs not yet handed to the notifier, marked as handed. */
export async function claimFinishedRuns({ db, limit }: { db: DbOrTx; limit: number }): Promise<RotationRun[]> {
  const conditions = [isNull(rotationRuns.notifiedAt), inArray(rotationRuns.status, ["succeeded", "failed", "held"]), isNotNull(rotationRuns.finishedAt)];
  const pending = db
    .select({ id: rotationRuns.id })
    .from(rotationRuns)
    .where(and(...conditions))
    .orderBy(asc(rotationRuns.finishedAt))
    .limit(limit)
    .for("update", { skipLocked: true });
  return db
    .update(rotationRuns)
    .set({ notifiedAt: sql`now()` })
    .where(and(inArray(rotationRuns.id, pending), ...conditions))
    .returning();
}

/**
 * Rotators whose failure is final and not yet notified: failing, not rotating now, and no scheduled attempt
 * pending for them (no retry waiting, no schedule of theirs running). Marks the episode as notified.
 */
export async function claimFinalFailures({ db }: { db: DbOrTx }): Promise<RotatorRow[]> {
  return db
    .update(rotators)
    .set({ notifiedFailingSince: sql`${rotators.failingSince}` })
    .where(
      and(
        isNotNull(rotators.failingSince),
        sql`${rotators.notifiedFailingSince} is distinct from ${rotators.failingSince}`,
        or(isNull(rotators.leaseOwner), lt(rotators.leaseExpiresAt, sql`now()`)),
        sql`not exists (
          select 1 from schedules s
          where s.paused = false
            and (
              (s.rotator_id = ${rotators.id} and (s.next_retry_at is not null or (s.lease_owner is not null and s.lease_expires_at > now())))
              or (s.environment_id = ${rotators.environmentId} and (
                (s.lease_owner is not null and s.lease_expires_at > now())
                or (s.next_retry_at is not null and (s.retry_rotator_ids is null or s.retry_rotator_ids @> to_jsonb(${rotators.id}::text)))
              ))
            )
        )`,
      ),
    )
    .returning();
}

/** Rotators that work again after a notified failure episode; clears the episode. */
export async function claimRecoveries({ db }: { db: DbOrTx }): Promise<RotatorRow[]> {
  return db
    .update(rotators)
    .set({ notifiedFailingSince: null })
    .where(and(isNull(rotators.failingSince), isNotNull(rotators.notifiedFailingSince)))
    .returning();
}

/** Failed runs of a rotator since its last success (the attempts of the current failure episode). */
export async function countConsecutiveFailures({ db, rotatorId }: { db: DbOrTx; rotatorId: string }): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(rotationRuns)
    .where(
      and(
        eq(rotationRuns.rotatorId, rotatorId),
        eq(rotationRuns.status, "failed"),
        sql`${rotationRuns.startedAt} > coalesce((select max(r2.started_at) from rotation_runs r2 where r2.rotator_id = ${rotatorId} and r2.status = 'succeeded'), '-infinity'::timestamptz)`,
      ),
    );
  return Number(row?.n ?? 0);
}
