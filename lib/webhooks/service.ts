import "server-only";
/**
 * Webhook configuration (admin): create, edit, enable/disable, delete, new signing secret, "Send test", and
 * the delivery log. The URL and the signing secret are stored encrypted; the secret is shown once, when it
 * is created or replaced; audit entries name the webhook and its host, never the URL or the secret.
 */
import os from "node:os";
import { randomUUID } from "node:crypto";
import { newWebhookSecret } from "./signature";
import { byActor, type AppContext, type Actor } from "../app-context";
import type { Tx } from "../db/client";
import type { Webhook } from "../db/schema";
import { env } from "../env";
import { deleteWebhookById, getWebhookById, getWebhookByName, insertWebhook, listDeliveries, listWebhooks, updateWebhookById } from "../db/queries/webhooks";
import { getEnvironmentById, listEnvironmentsWithCounts } from "../db/queries/environments";
import { insertAuditEvent } from "../db/queries/audit";
import { deliverDueWebhooks, enqueueNotification, webhookPreviousSecretContext, webhookSecretContext, webhookUrlContext, type DeliveryOutcome, type NotifierOptions } from "./notifier";
import { displayUrl, type CreateWebhookInput, type UpdateWebhookInput } from "./validation";
import type { NotificationEvent } from "./events";
import { AppError } from "../errors";


async function environmentLabel(tx: Tx, environmentId: string): Promise<string | null> {
  if (!environmentId) return null;
  const environment = await getEnvironmentById({ db: tx, id: environmentId });
  if (!environment) throw new AppError("input:invalid", "That environment no longer exists.", { fieldErrors: { environmentId: "No such environment" } });
  return environment.name;
}

async function audit(tx: Tx, actor: Actor, action: string, webhook: Pick<Webhook, "id" | "name">, details: Record<string, unknown>) {
  await insertAuditEvent({
    tx,
    event: { ...byActor(actor), action, targetType: "webhook", targetId: webhook.id, targetLabel: webhook.name, details },
  });
}

async function requireWebhook(tx: Tx, id: string): Promise<Webhook> {
  const webhook = await getWebhookById({ db: tx, id });
  if (!webhook) throw new AppError("not-found", "That webhook no longer exists.");
  return webhook;
}

async function checkName(tx: Tx, name: string, exceptId?: string) {
  const clash = await getWebhookByName({ db: tx, name });
  if (clash && clash.id !== exceptId) throw new AppError("conflict", `A webhook named ${name} already exists.`, { fieldErrors: { name: "Already in use" } });
}

/** Returns the webhook and its signing secret, which is shown this once. */
export async function createWebhook(app: AppContext, request: { actor: Actor; input: CreateWebhookInput }): Promise<{ webhook: Webhook; secret: string }> {
  const { input } = request;
  const id = randomUUID();
  const secret = newWebhookSecret();
  const webhook = await app.db.transaction(async (tx) => {
    await checkName(tx, input.name);
    const environment = await environmentLabel(tx, input.environmentId);
    const row = await insertWebhook({
      db: tx,
      webhook: {
        id,
        name: input.name,
        urlCiphertext: app.keyring.encrypt(input.url, webhookUrlContext(id)),
        urlDisplay: displayUrl(input.url),
        environmentId: input.environmentId || null,
        events: [...new Set(input.events)],
        format: input.format,
        secretCiphertext: app.keyring.encrypt(secret, webhookSecretContext(id)),
      },
    });
    await audit(tx, request.actor, "webhook.created", row, { url: row.urlDisplay, environment: environment ?? "all", events: row.events, format: row.format });
    return row;
  });
  return { webhook, secret };
}

export async function updateWebhook(app: AppContext, request: { actor: Actor; input: UpdateWebhookInput }): Promise<Webhook> {
  const { input } = request;
  return app.db.transaction(async (tx) => {
    const existing = await requireWebhook(tx, input.webhookId);
    await checkName(tx, input.name, existing.id);
    const environment = await environmentLabel(tx, input.environmentId);
    const row = (await updateWebhookById({
      db: tx,
      id: existing.id,
      patch: {
        name: input.name,
        environmentId: input.environmentId || null,
        events: [...new Set(input.events)],
        format: input.format,
        ...(input.url ? { urlCiphertext: app.keyring.encrypt(input.url, webhookUrlContext(existing.id)), urlDisplay: displayUrl(input.url) } : {}),
      },
    }))!;
    await audit(tx, request.actor, "webhook.updated", row, {
      url: row.urlDisplay,
      urlChanged: Boolean(input.url),
      environment: environment ?? "all",
      events: row.events,
      format: row.format,
    });
    return row;
  });
}

export async function setWebhookEnabled(app: AppContext, request: { actor: Actor; webhookId: string; enabled: boolean }): Promise<Webhook> {
  return app.db.transaction(async (tx) => {
    const existing = await requireWebhook(tx, request.webhookId);
    const row = (await updateWebhookById({ db: tx, id: existing.id, patch: { enabled: request.enabled } }))!;
    await audit(tx, request.actor, request.enabled ? "webhook.enabled" : "webhook.disabled", row, {});
    return row;
  });
}

export async function deleteWebhook(app: AppContext, request: { actor: Actor; webhookId: string }): Promise<void> {
  await app.db.transaction(async (tx) => {
    const existing = await requireWebhook(tx, request.webhookId);
    await deleteWebhookById({ db: tx, id: existing.id });
    await audit(tx, request.actor, "webhook.deleted", existing, { url: existing.urlDisplay });
  });
}

/**
 * Renews the signing secret; the new one is returned (shown once). The previous secret keeps signing beside
 * it for `overlapHours`, so receivers can switch without refusing deliveries; 0 retires it at once (a leaked
 * secret).
 */
export async function renewWebhookSecret(app: AppContext, request: { actor: Actor; webhookId: string; overlapHours: number }): Promise<string> {
  const secret = newWebhookSecret();
  await app.db.transaction(async (tx) => {
    const existing = await requireWebhook(tx, request.webhookId);
    const previous = request.overlapHours > 0 ? app.keyring.decrypt(existing.secretCiphertext, webhookSecretContext(existing.id)) : null;
    const until = previous ? new Date(Date.now() + request.overlapHours * 3_600_000) : null;
    await updateWebhookById({
      db: tx,
      id: existing.id,
      patch: {
        secretCiphertext: app.keyring.encrypt(secret, webhookSecretContext(existing.id)),
        previousSecretCiphertext: previous ? app.keyring.encrypt(previous, webhookPreviousSecretContext(existing.id)) : null,
        previousSecretExpiresAt: until,
      },
    });
    await audit(tx, request.actor, "webhook.secret_renewed", existing, { previousSignsUntil: until?.toISOString() ?? null });
  });
  return secret;
}

/** Ends a renewal's overlap now: only the current secret signs from here on. */
export async function retirePreviousWebhookSecret(app: AppContext, request: { actor: Actor; webhookId: string }): Promise<void> {
  await app.db.transaction(async (tx) => {
    const existing = await requireWebhook(tx, request.webhookId);
    await updateWebhookById({ db: tx, id: existing.id, patch: { previousSecretCiphertext: null, previousSecretExpiresAt: null } });
    await audit(tx, request.actor, "webhook.previous_secret_retired", existing, {});
  });
}

export function notifierOptionsFromEnv(owner = `${os.hostname()}:${process.pid}:webhook-test`): NotifierOptions {
  const config = env();
  return {
    owner,
    publicUrl: config.publicUrl,
    overdueGraceMs: config.scheduler.overdueGraceMs,
    maxAttempts: config.webhooks.maxAttempts,
    timeoutMs: config.webhooks.timeoutMs,
  };
}

/** Sends a test notification to one webhook now and reports what happened (it is in the delivery log too). */
export async function sendTestWebhook(
  app: AppContext,
  request: { actor: Actor; webhookId: string; notifier?: NotifierOptions },
): Promise<DeliveryOutcome> {
  const notifier = request.notifier ?? notifierOptionsFromEnv();
  const deliveryId = await app.db.transaction(async (tx) => {
    const webhook = await requireWebhook(tx, request.webhookId);
    const event: NotificationEvent = {
      id: randomUUID(),
      type: "webhook.test",
      occurredAt: new Date().toISOString(),
      summary: `Test notification from Rotor, sent by ${request.actor.label}. If you can read this, the webhook works.`,
    };
    const [delivery] = await enqueueNotification(tx, event, { environmentId: webhook.environmentId, webhook });
    await audit(tx, request.actor, "webhook.tested", webhook, { deliveryId: delivery.id });
    return delivery.id;
  });
  const [outcome] = await deliverDueWebhooks(app, notifier, { ids: [deliveryId] });
  return outcome ?? { deliveryId, status: "pending", attempts: 0, responseStatus: null, error: "Another process is delivering it." };
}

export async function listWebhookViews(app: AppContext) {
  const [webhooks, environments] = await Promise.all([listWebhooks({ db: app.db }), listEnvironmentsWithCounts({ db: app.db })]);
  const names = new Map(environments.map((e) => [e.id, e.name]));
  return {
    environments: environments.map((e) => ({ id: e.id, name: e.name })),
    webhooks: webhooks.map((w) => ({
      id: w.id,
      name: w.name,
      urlDisplay: w.urlDisplay,
      environmentId: w.environmentId,
      environmentName: w.environmentId ? (names.get(w.environmentId) ?? "") : null,
      events: w.events,
      format: w.format,
      enabled: w.enabled,
      previousSecretSignsUntil: w.previousSecretCiphertext && w.previousSecretExpiresAt && w.previousSecretExpiresAt > new Date() ? w.previousSecretExpiresAt : null,
    })),
  };
}

export function listDeliveryLog(app: AppContext, request: { webhookId?: string; limit?: number }) {
  return listDeliveries({ db: app.db, webhookId: request.webhookId, limit: request.limit ?? 50 });
}
