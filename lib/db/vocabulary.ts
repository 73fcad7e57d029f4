/**
 * The values some columns may hold, as plain lists (no Drizzle): the schema types its columns with them, and
 * the layers above validate and describe with the same lists (the REST API's enums, the webhook form) without
 * importing the schema. The rotator type list is the rotator library's (lib/rotators/types.ts).
 */

export const RUN_STATUSES = ["pending", "running", "succeeded", "failed"] as const;
export const RUN_TRIGGERS = ["user", "schedule", "retry", "api"] as const;

export const TOKEN_KINDS = ["service", "personal"] as const;
export const TOKEN_SCOPES = ["read", "rotate", "admin"] as const;

/** The events a webhook can subscribe to (what they mean: lib/webhooks/event-types.ts). */
export const WEBHOOK_EVENTS = ["rotation.succeeded", "rotation.failed", "rotation.recovered", "rotation.overdue"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
