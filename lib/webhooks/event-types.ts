/** The events a webhook can subscribe to (shared by the schema, the server and the browser form). */
export const WEBHOOK_EVENTS = ["rotation.succeeded", "rotation.failed", "rotation.recovered", "rotation.overdue"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_EVENT_HELP: Record<WebhookEvent, string> = {
  "rotation.succeeded": "every successful rotation",
  "rotation.failed": "a rotation failed for good (after its retries), once per failure episode",
  "rotation.recovered": "a failing rotator rotates again, once",
  "rotation.overdue": "a scheduled rotation did not start on time",
};
