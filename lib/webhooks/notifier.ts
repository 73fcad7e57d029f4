import "server-only";
/**
 * Notifications, in two halves that every scheduler process runs on each tick:
 *
 * 1. `collectNotifications` turns state changes into events, each claimed with one atomic UPDATE …
 *    RETURNING so that exactly one process emits it, and writes a delivery per interested webhook in the
 *    same transaction (an outbox: a crash never loses an event, and never emits one twice):
 *    - every finished, successful run            → rotation.succeeded  (manual and scheduled alike)
 *    - a run the lockout guard held               → rotation.held       (with the finding: who still uses it)
 *    - a rotator failing with no attempt pending  → rotation.failed     (once per failure episode: retries
 *                                                                        of a scheduled run come first)
 *    - a notified episode that ended              → rotation.recovered  (once)
 *    - a schedule due for longer than the grace   → rotation.overdue    (once per overdue episode)
 * 2. `deliverDueWebhooks` sends pending deliveries (leased like schedules, so one process per attempt),
 *    retrying failures with exponential backoff up to a bounded number of attempts. Delivery is at least
 *    once: a process that dies after sending but before recording lets the attempt be repeated, so
 *    receivers should de-duplicate on the event id (the webhook-id header).
 */
import { randomUUID } from "node:crypto";
import type { AppContext } from "../app-context";
import type { Keyring } from "../crypto/keyring";
import type { DbOrTx } from "../db/client";
import type { RotationRun, RotatorRow, Schedule, Webhook, WebhookDelivery } from "../db/schema";
import {
  claimDueDeliveries,
  claimFinalFailures,
  claimFinishedRuns,
  claimRecoveries,
  countConsecutiveFailures,
  deleteOldDeliveries,
  finishDeliveryAttempt,
  getWebhookById,
  insertDeliveries,
  listWebhooksForEvent,
} from "../db/queries/webhooks";
import { claimOverdueSchedules } from "../db/queries/schedules";
import { getRotatorById } from "../db/queries/rotators";
import { getEnvironmentById } from "../db/queries/environments";
import { getRunById } from "../db/queries/runs";
import { backoffDelayMs, type BackoffPolicy } from "../backoff";
import { renderBody, type NotificationEvent } from "./events";
import { retiringHolders } from "../rotation/lockout-finding";
import { sendWebhook } from "./send";
import { logError } from "../log";
import { checkpointIfDue, type CheckpointPolicy } from "../audit/checkpoint";

export interface NotifierOptions {
  /** Lease owner (the process). */
  owner: string;
  /** Rotor's public URL, for links in notifications. */
  publicUrl: string;
  overdueGraceMs: number;
  maxAttempts: number;
  timeoutMs: number;
  backoff?: BackoffPolicy;
  /** Parallel sends per process. */
  concurrency?: number;
  /** Audit checkpoints (lib/audit/checkpoint.ts), taken on the sweep and sent as `audit.checkpoint`; none when absent. */
  checkpoints?: CheckpointPolicy;
}

/** What collecting notifications needs besides: how an overdue notification names its schedule ("every 30
 *  days at 03:00 (UTC)"). The scheduler passes the schedules' own wording (lib/schedules/schedule-spec.ts):
 *  webhooks report on schedules, they do not interpret them. */
export interface CollectOptions extends NotifierOptions {
  describeSchedule: (schedule: Schedule) => string;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 10_000, maxDelayMs: 60 * 60_000 };
const BATCH = 100;

export const webhookSecretContext = (id: string) => `webhook:${id}:secret`;
export const webhookUrlContext = (id: string) => `webhook:${id}:url`;
export const webhookPreviousSecretContext = (id: string) => `webhook:${id}:previous-secret`;

/** The secrets that sign a delivery now: the current one, and the previous one until its overlap ends. */
export function signingSecrets(keyring: Keyring, webhook: Webhook, now = new Date()): string[] {
  const secrets = [keyring.decrypt(webhook.secretCiphertext, webhookSecretContext(webhook.id))];
  if (webhook.previousSecretCiphertext && webhook.previousSecretExpiresAt && webhook.previousSecretExpiresAt > now) {
    secrets.push(keyring.decrypt(webhook.previousSecretCiphertext, webhookPreviousSecretContext(webhook.id)));
  }
  return secrets;
}

function links(publicUrl: string) {
  return {
    rotator: (id: string) => `${publicUrl}/rotators/${id}`,
    environment: (id: string) => `${publicUrl}/environments/${id}`,
  };
}

function runPart(run: RotationRun): NonNullable<NotificationEvent["run"]> {
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    errorCode: run.errorCode,
    errorMessage: run.errorMessage,
  };
}

/** Writes one delivery per interested webhook (or only to `webhook`, for a test). */
export async function enqueueNotification(db: DbOrTx, event: NotificationEvent, options: { environmentId: string | null; webhook?: Webhook }): Promise<WebhookDelivery[]> {
  const targets = options.webhook ? [options.webhook] : await listWebhooksForEvent({ db, eventType: event.type, environmentId: options.environmentId });
  return insertDeliveries({
    db,
    deliveries: targets.map((w) => ({ webhookId: w.id, eventId: event.id, eventType: event.type, payload: event })),
  });
}

async function rotatorParts(db: DbOrTx, publicUrl: string, rotator: Pick<RotatorRow, "id" | "name" | "type" | "environmentId">) {
  const environment = await getEnvironmentById({ db, id: rotator.environmentId });
  const link = links(publicUrl);
  return {
    rotator: { id: rotator.id, name: rotator.name, type: rotator.type, url: link.rotator(rotator.id) },
    environment: { id: rotator.environmentId, name: environment?.name ?? "", url: link.environment(rotator.environmentId) },
  };
}

function where(parts: { rotator: { name: string }; environment: { name: string } }) {
  return `${parts.rotator.name} in ${parts.environment.name}`;
}

/** One sweep: claims every pending state change and enqueues its notification. Returns how many events. */
export async function collectNotifications(app: AppContext, options: CollectOptions): Promise<number> {
  const { db } = app;
  const link = links(options.publicUrl);
  let events = 0;

  // Finished runs (marked even when they emit nothing, so the outbox index stays small).
  for (;;) {
    const claimed = await db.transaction(async (tx) => {
      const runs = await claimFinishedRuns({ db: tx, limit: BATCH });
      for (const run of runs) {
        if (run.status === "failed" || !run.rotatorId || !run.environmentId) continue;
        const held = run.status === "held";
        const check = run.retiringCheck;
        const event: NotificationEvent = {
          id: randomUUID(),
          type: held ? "rotation.held" : "rotation.succeeded",
          occurredAt: (run.finishedAt ?? new Date()).toISOString(),
          summary: held
            ? `The rotation of ${run.rotatorName} in ${run.environmentName} was held (${run.trigger}): the credential it would retire is still used by ${check ? retiringHolders(check).join(", ") : "someone"}.`
            : `${run.rotatorName} in ${run.environmentName} was rotated (${run.trigger}).${check?.inUse ? " The retired credential was still in use." : ""}`,
          rotator: { id: run.rotatorId, name: run.rotatorName, type: run.rotatorType, url: link.rotator(run.rotatorId) },
          environment: { id: run.environmentId, name: run.environmentName, url: link.environment(run.environmentId) },
          run: runPart(run),
          ...(check ? { retiringCheck: check } : {}),
        };
        await enqueueNotification(tx, event, { environmentId: run.environmentId });
        events++;
      }
      return runs.length;
    });
    if (claimed < BATCH) break;
  }

  events += await db.transaction(async (tx) => {
    const failing = await claimFinalFailures({ db: tx });
    for (const rotator of failing) {
      const parts = await rotatorParts(tx, options.publicUrl, rotator);
      const lastRun = rotator.lastRunId ? await getRunById({ db: tx, id: rotator.lastRunId }) : undefined;
      const failedAttempts = await countConsecutiveFailures({ db: tx, rotatorId: rotator.id });
      const event: NotificationEvent = {
        id: randomUUID(),
        type: "rotation.failed",
        occurredAt: new Date().toISOString(),
        summary: `Rotation of ${where(parts)} failed${failedAttempts > 1 ? ` after ${failedAttempts} attempts` : ""}: ${rotator.lastError ?? "unknown error"}`,
        ...parts,
        run: lastRun ? runPart(lastRun) : undefined,
        failingSince: rotator.failingSince?.toISOString(),
        failedAttempts,
      };
      await enqueueNotification(tx, event, { environmentId: rotator.environmentId });
    }
    return failing.length;
  });

  events += await db.transaction(async (tx) => {
    const recovered = await claimRecoveries({ db: tx });
    for (const rotator of recovered) {
      const parts = await rotatorParts(tx, options.publicUrl, rotator);
      const lastRun = rotator.lastRunId ? await getRunById({ db: tx, id: rotator.lastRunId }) : undefined;
      const event: NotificationEvent = {
        id: randomUUID(),
        type: "rotation.recovered",
        occurredAt: new Date().toISOString(),
        summary: `${where(parts)} rotates again (failing since ${rotator.notifiedFailingSince?.toISOString() ?? "earlier"}).`,
        ...parts,
        run: lastRun ? runPart(lastRun) : undefined,
        failingSince: rotator.notifiedFailingSince?.toISOString(),
      };
      await enqueueNotification(tx, event, { environmentId: rotator.environmentId });
    }
    return recovered.length;
  });

  events += await db.transaction(async (tx) => {
    const overdue = await claimOverdueSchedules({ db: tx, graceMs: options.overdueGraceMs });
    for (const schedule of overdue) await enqueueOverdue(tx, options, schedule);
    return overdue.length;
  });

  if (options.checkpoints) {
    const checkpoint = await checkpointIfDue(app, options.checkpoints).catch((error: unknown) => {
      logError("taking an audit checkpoint failed", error);
      return null;
    });
    if (checkpoint) {
      await enqueueNotification(
        db,
        {
          id: randomUUID(),
          type: "audit.checkpoint",
          occurredAt: checkpoint.at,
          summary: `The audit log held ${checkpoint.count} events; the newest, #${checkpoint.lastId}, has the hash ${checkpoint.head}.`,
          checkpoint,
        },
        { environmentId: null },
      );
      events++;
    }
  }
  return events;
}

async function enqueueOverdue(db: DbOrTx, { publicUrl, describeSchedule }: CollectOptions, schedule: Schedule) {
  const dueAt = [schedule.nextRunAt, schedule.nextRetryAt].filter((d): d is Date => Boolean(d)).sort((a, b) => a.getTime() - b.getTime())[0];
  const scheduleInfo = { id: schedule.id, description: describeSchedule(schedule), dueAt: dueAt?.toISOString() ?? "" };
  if (schedule.rotatorId) {
    const rotator = await getRotatorById({ db, id: schedule.rotatorId });
    if (!rotator) return;
    const parts = await rotatorParts(db, publicUrl, rotator);
    const event: NotificationEvent = {
      id: randomUUID(),
      type: "rotation.overdue",
      occurredAt: new Date().toISOString(),
      summary: `The scheduled rotation of ${where(parts)} was due at ${scheduleInfo.dueAt} and has not started.`,
      ...parts,
      schedule: scheduleInfo,
    };
    await enqueueNotification(db, event, { environmentId: rotator.environmentId });
    return;
  }
  if (!schedule.environmentId) return;
  const environment = await getEnvironmentById({ db, id: schedule.environmentId });
  if (!environment) return;
  const event: NotificationEvent = {
    id: randomUUID(),
    type: "rotation.overdue",
    occurredAt: new Date().toISOString(),
    summary: `The scheduled rotation of environment ${environment.name} was due at ${scheduleInfo.dueAt} and has not started.`,
    environment: { id: environment.id, name: environment.name, url: links(publicUrl).environment(environment.id) },
    schedule: scheduleInfo,
  };
  await enqueueNotification(db, event, { environmentId: environment.id });
}

/** How long the delivery log keeps finished deliveries. */
export const DELIVERY_LOG_DAYS = 90;

export async function pruneDeliveryLog(app: AppContext): Promise<number> {
  return deleteOldDeliveries({ db: app.db, days: DELIVERY_LOG_DAYS });
}

export interface DeliveryOutcome {
  deliveryId: string;
  status: "succeeded" | "pending" | "failed";
  attempts: number;
  responseStatus: number | null;
  error: string | null;
}

/**
 * Sends due deliveries (at most `concurrency` at once) and records each attempt. `ids` restricts it to
 * given deliveries (Send test). Returns what happened to each delivery attempted.
 */
export async function deliverDueWebhooks(app: AppContext, options: NotifierOptions, filter: { ids?: string[] } = {}): Promise<DeliveryOutcome[]> {
  const { db, keyring } = app;
  const concurrency = options.concurrency ?? 4;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const claimed = await claimDueDeliveries({ db, owner: options.owner, ttlMs: options.timeoutMs * 2 + 30_000, limit: concurrency, ids: filter.ids });
  return Promise.all(
    claimed.map(async (delivery): Promise<DeliveryOutcome> => {
      const attempts = delivery.attempts + 1;
      let patch: Parameters<typeof finishDeliveryAttempt>[0]["patch"];
      try {
        const webhook = await getWebhookById({ db, id: delivery.webhookId });
        // A test may go to a disabled webhook (to try it before enabling it); events may not.
        if (!webhook || (!webhook.enabled && delivery.eventType !== "webhook.test")) {
          patch = { status: "failed", lastError: "The webhook was disabled before this could be delivered.", lastAttemptAt: new Date() };
        } else {
          const result = await sendWebhook({
            url: keyring.decrypt(webhook.urlCiphertext, webhookUrlContext(webhook.id)),
            secrets: signingSecrets(keyring, webhook),
            eventId: delivery.eventId,
            body: renderBody(delivery.payload as NotificationEvent, webhook.format),
            eventType: delivery.eventType,
            deliveryId: delivery.id,
            timeoutMs: options.timeoutMs,
          });
          const finalAttempt = attempts >= options.maxAttempts || delivery.eventType === "webhook.test";
          patch = {
            attempts,
            lastAttemptAt: new Date(),
            responseStatus: result.status,
            lastError: result.error,
            ...(result.ok
              ? { status: "succeeded" as const, deliveredAt: new Date() }
              : finalAttempt
                ? { status: "failed" as const }
                : { status: "pending" as const, nextAttemptAt: new Date(Date.now() + backoffDelayMs(attempts, backoff)) }),
          };
        }
      } catch (error) {
        logError(`webhook delivery ${delivery.id} could not be attempted`, error, { deliveryId: delivery.id });
        patch = { attempts, lastAttemptAt: new Date(), lastError: "Internal error; see the server log.", status: "pending", nextAttemptAt: new Date(Date.now() + backoffDelayMs(attempts, backoff)) };
      }
      const row = await finishDeliveryAttempt({ db, id: delivery.id, owner: options.owner, patch });
      return {
        deliveryId: delivery.id,
        status: row?.status ?? "pending",
        attempts: row?.attempts ?? attempts,
        responseStatus: row?.responseStatus ?? null,
        error: row?.lastError ?? null,
      };
    }),
  );
}
