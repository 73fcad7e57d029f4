/**
 * What a notification says. The JSON payload is Rotor's own format; `toSlackMessage` renders the same event
 * as a Slack-compatible message (`text` plus Block Kit `blocks`), which Slack, Mattermost, Rocket.Chat and
 * most chat webhooks accept.
 *
 * Never a secret: names, ids, times, the trigger and the (already redacted, bounded) error message only.
 */
import type { WebhookEvent } from "./event-types";
import { describeRetiringCheck, type RetiringCheck } from "../rotation/lockout-finding";

export type NotificationType = WebhookEvent | "webhook.test";

export interface NotificationEvent {
  /** Unique per event (the same for every webhook that receives it); receivers can de-duplicate on it. */
  id: string;
  type: NotificationType;
  occurredAt: string;
  /** One line for humans. */
  summary: string;
  rotator?: { id: string; name: string; type: string; url: string };
  environment?: { id: string; name: string; url: string };
  run?: {
    id: string;
    trigger: string;
    status: string;
    startedAt: string;
    finishedAt: string | null;
    errorCode: string | null;
    errorMessage: string | null;
  };
  /** rotation.failed / rotation.recovered: when the failure episode began, and how many attempts failed. */
  failingSince?: string;
  failedAttempts?: number;
  /** The lockout guard's finding about the credential the run retires (rotation.held, and a rotation.succeeded
   *  that rotated although it was in use under policy warn or by Rotate anyway). */
  retiringCheck?: RetiringCheck;
  /** rotation.overdue: the schedule and since when the run is due. */
  schedule?: { id: string; description: string; dueAt: string };
  /** audit.checkpoint: the audit chain's head, and the same signed with Rotor's issuer key (lib/audit/checkpoint.ts). */
  checkpoint?: { lastId: number; head: string; count: number; at: string; jwt: string; kid: string; jwksUrl: string };
}

export const EVENT_LABELS: Record<NotificationType, string> = {
  "rotation.succeeded": "Rotation succeeded",
  "rotation.failed": "Rotation failed",
  "rotation.recovered": "Rotation recovered",
  "rotation.overdue": "Rotation overdue",
  "rotation.held": "Rotation held",
  "audit.checkpoint": "Audit checkpoint",
  "webhook.test": "Test notification",
};

const EMOJI: Record<NotificationType, string> = {
  "rotation.succeeded": ":white_check_mark:",
  "rotation.failed": ":rotating_light:",
  "rotation.recovered": ":large_green_circle:",
  "rotation.overdue": ":warning:",
  "rotation.held": ":raised_hand:",
  "audit.checkpoint": ":lock:",
  "webhook.test": ":wave:",
};

/** Slack mrkdwn needs &, < and > escaped in text that is not a link. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function toSlackMessage(event: NotificationEvent) {
  const title = `${EMOJI[event.type]} *${EVENT_LABELS[event.type]}*`;
  const fields: string[] = [];
  if (event.environment) fields.push(`*Environment*\n<${event.environment.url}|${escapeSlack(event.environment.name)}>`);
  if (event.rotator) fields.push(`*Rotator*\n<${event.rotator.url}|${escapeSlack(event.rotator.name)}> (${escapeSlack(event.rotator.type)})`);
  if (event.run) fields.push(`*Trigger*\n${escapeSlack(event.run.trigger)}`);
  if (event.failedAttempts) fields.push(`*Failed attempts*\n${event.failedAttempts}`);
  if (event.schedule) fields.push(`*Due since*\n${escapeSlack(event.schedule.dueAt)}`);
  const blocks: Record<string, unknown>[] = [{ type: "section", text: { type: "mrkdwn", text: `${title}\n${escapeSlack(event.summary)}` } }];
  if (fields.length) blocks.push({ type: "section", fields: fields.slice(0, 10).map((text) => ({ type: "mrkdwn", text })) });
  if (event.retiringCheck?.inUse && event.type !== "rotation.held") {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: `*Still in use*\n${escapeSlack(describeRetiringCheck(event.retiringCheck))}` } });
  }
  if (event.run?.errorMessage) blocks.push({ type: "section", text: { type: "mrkdwn", text: `*Error*\n\`\`\`${escapeSlack(event.run.errorMessage)}\`\`\`` } });
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `Rotor · ${event.type} · ${event.occurredAt}` }] });
  return { text: `${EVENT_LABELS[event.type]}: ${event.summary}`, blocks };
}

export function renderBody(event: NotificationEvent, format: "json" | "slack"): string {
  return JSON.stringify(format === "slack" ? toSlackMessage(event) : event);
}
