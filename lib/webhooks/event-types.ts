/**
 * The events a webhook can subscribe to, shared by the server and the browser form. The list itself is the
 * `webhooks.events` column's vocabulary, so it lives with the store (lib/db/vocabulary.ts).
 */
import { WEBHOOK_EVENTS, type WebhookEvent } from "../db/vocabulary";

export { WEBHOOK_EVENTS, type WebhookEvent };

export const WEBHOOK_EVENT_HELP: Record<WebhookEvent, string> = {
  "rotation.succeeded": "every successful rotation",
  "rotation.failed": "a rotation failed for good (after its retries), once per failure episode",
  "rotation.recovered": "a failing rotator rotates again, once",
  "rotation.overdue": "a scheduled rotation did not start on time",
  "rotation.held": "the lockout guard held a rotation: the credential it would retire is still in use",
  "audit.checkpoint": "the audit log's signed head, at each ROTOR_AUDIT_CHECKPOINT_EVENTS events and at least every ROTOR_AUDIT_CHECKPOINT_MINUTES (keep them: a later one with fewer events means the log was cut short)",
};
