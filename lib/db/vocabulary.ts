import type { InUseVerdict } from "../rotators/types";

/**
 * The values some columns may hold, as plain lists (no Drizzle): the schema types its columns with them, and
 * the layers above validate and describe with the same lists (the REST API's enums, the webhook form) without
 * importing the schema. The rotator type list is the rotator library's (lib/rotators/types.ts).
 */

/** held: the lockout guard deferred the rotation (policy hold) before anything changed at the target. */
export const RUN_STATUSES = ["pending", "running", "succeeded", "failed", "held"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A run in one of these will not change again: a page that follows it stops polling. */
export const ENDED_RUN_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "held"];
export const runHasEnded = (status: string | undefined): boolean => ENDED_RUN_STATUSES.some((ended) => ended === status);
export const RUN_TRIGGERS = ["user", "schedule", "retry", "api"] as const;

export const TOKEN_KINDS = ["service", "personal"] as const;
export const TOKEN_SCOPES = ["read", "rotate", "admin"] as const;

/** The events a webhook can subscribe to (what they mean: lib/webhooks/event-types.ts). */
export const WEBHOOK_EVENTS = ["rotation.succeeded", "rotation.failed", "rotation.recovered", "rotation.overdue", "rotation.held", "audit.checkpoint"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** rotators.lockout_policy: what a rotation does when the credential it retires is still in use
 *  (lib/rotation/lockout-guard.ts). */
export const LOCKOUT_POLICIES = ["off", "warn", "hold"] as const;
export type LockoutPolicy = (typeof LOCKOUT_POLICIES)[number];

export interface RetiringConsumer {
  label: string;
  kind: "token" | "user";
  /** The revision it last received (older than the check's `revision`). */
  revision: number;
}

/** rotation_runs.retiring_check: the lockout guard's finding (lib/rotation/lockout-finding.ts). No secret value. */
export interface RetiringCheck {
  policy: LockoutPolicy;
  /** The retiring credential by its non-secret name (a username, an access key id). */
  credential: string | null;
  /** What the target says; `not-applicable` when the type has nothing to ask (a generated password). */
  target: { verdict: InUseVerdict | "not-applicable"; summary: string; holders: string[] };
  /** The revision that introduced today's current credential. */
  revision: number | null;
  /** Consumers that can still read and hold an older revision. */
  consumers: RetiringConsumer[];
  /** Whether anyone still uses it: the target says so, or a consumer is behind. "Cannot tell" is not use. */
  inUse: boolean;
  /** proceeded: rotated (nobody uses it, or policy warn); held: deferred by policy hold; overridden: held
   *  findings, rotated anyway by an operator's explicit choice. */
  outcome: "proceeded" | "held" | "overridden";
  checkedAt: string;
  /** overridden: who chose Rotate anyway. */
  overriddenBy?: string;
}
