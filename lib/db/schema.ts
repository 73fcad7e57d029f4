/**
 * Rotor's one schema (PostgreSQL dialect), used for both the embedded PGlite store and a real PostgreSQL.
 * Columns ending in `Ciphertext` hold AES-256-GCM envelopes (lib/crypto/envelope.ts); nothing else holds a
 * secret. Migrations are generated from this file into `drizzle/` by `npm run db:generate`.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { ROTATOR_TYPES } from "../rotators/types";
import { RUN_STATUSES, RUN_TRIGGERS, TOKEN_KINDS, TOKEN_SCOPES, type WebhookEvent, LOCKOUT_POLICIES, type RetiringCheck } from "./vocabulary";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    role: text("role", { enum: ["admin", "operator", "viewer"] }).notNull(),
    /** scrypt hash for local users; null for single-sign-on users. */
    passwordHash: text("password_hash"),
    authSource: text("auth_source", { enum: ["local", "oidc"] }).notNull(),
    oidcIssuer: text("oidc_issuer"),
    oidcSubject: text("oidc_subject"),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    /**
     * Set when an admin reset the password: the user must choose a new one before any other page or action
     * (lib/auth/session.ts refuses every door but the change-password page while it is set).
     */
    mustChangePassword: boolean("must_change_password").notNull().default(false),
    /**
     * Two-factor sign-in (lib/auth/two-factor.ts): the TOTP secret, encrypted; set at enrolment, in force only
     * once `totpEnabledAt` is set (a code confirmed it).
     */
    totpSecretCiphertext: text("totp_secret_ciphertext"),
    totpEnabledAt: timestamp("totp_enabled_at", { withTimezone: true }),
    /** The time step of the last accepted code: a code is accepted once. */
    totpLastTimeStep: bigint("totp_last_time_step", { mode: "number" }),
    /** SHA-256 of each unused recovery code. */
    totpRecoveryCodeHashes: jsonb("totp_recovery_code_hashes").$type<string[]>().notNull().default([]),
    /** Sessions issued before this moment are refused (set on disable, role change and password reset). */
    sessionsValidAfter: timestamp("sessions_valid_after", { withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("users_email_unique").on(sql`lower(${t.email})`),
    uniqueIndex("users_oidc_subject_unique").on(t.oidcIssuer, t.oidcSubject),
  ],
);

/**
 * Signed-in sessions. The cookie carries the session id; a session works only while its row exists, is not
 * revoked and has not expired, so signing out ends it on the server at once (the cookie alone is not enough).
 */
export const userSessions = pgTable(
  "user_sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** "password" | "oidc" */
    method: text("method").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
    /** Updated at most once a minute (lib/auth/sessions.ts), for the account page's list. */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("user_sessions_user_idx").on(t.userId, t.expiresAt)],
);

/**
 * Failed sign-ins per account (`account:<lower-case email>`, whether or not the account exists, so a lock says
 * nothing about which emails are real) and per client address (`address:<ip>`). In the store, not in memory,
 * so every Rotor instance on one PostgreSQL counts the same failures (lib/auth/sign-in-throttle.ts).
 */
export const signInThrottles = pgTable(
  "sign_in_throttles",
  {
    key: text("key").primaryKey(),
    failures: integer("failures").notNull().default(0),
    lastFailureAt: timestamp("last_failure_at", { withTimezone: true }).notNull().defaultNow(),
    /** No attempt is checked before this moment (backoff, or a lock). */
    blockedUntil: timestamp("blocked_until", { withTimezone: true }),
    /** Set when the failures reached the lock threshold: the lock an admin can lift. */
    lockedAt: timestamp("locked_at", { withTimezone: true }),
  },
  (t) => [index("sign_in_throttles_blocked_idx").on(t.blockedUntil)],
);

/** Small key/value settings: the one-time setup token hash, OIDC issuer keys, etc. */
export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: updatedAt(),
});

/**
 * One row per master key that has ever encrypted data here, with a known plaintext encrypted under it, so
 * that a wrong master key is detected at start instead of when a rotation needs a secret.
 */
export const encryptionKeys = pgTable("encryption_keys", {
  id: text("id").primaryKey(),
  checkCiphertext: text("check_ciphertext").notNull(),
  createdAt: createdAt(),
  retiredAt: timestamp("retired_at", { withTimezone: true }),
});

export const environments = pgTable(
  "environments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    currentRevision: integer("current_revision").notNull().default(1),
    /** Exported variables (ESC's `environmentVariables`): NAME → template such as `${app-db.current.password}`. */
    exports: jsonb("exports").$type<Record<string, string>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("environments_name_unique").on(sql`lower(${t.name})`)],
);

/**
 * Every change to an environment (a rotation included) makes a new, immutable revision. Most revisions store
 * only what changed (`delta_ciphertext`); a full snapshot (`document_ciphertext`) is stored on the first, on
 * every SNAPSHOT_EVERY-th and on the oldest one kept (lib/environments/revisions.ts).
 */
export const environmentRevisions = pgTable(
  "environment_revisions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id, { onDelete: "cascade" }),
    revision: integer("revision").notNull(),
    /** Why the revision exists: "created", "value changed", "rotated db-app", ... */
    reason: text("reason").notNull(),
    actorId: uuid("actor_id"),
    actorLabel: text("actor_label").notNull(),
    /** A snapshot: the whole environment document, encrypted as one envelope. Null on a delta revision. */
    documentCiphertext: text("document_ciphertext"),
    /** A delta: what this revision changed (rotator entries, values, exported variables), encrypted. */
    deltaCiphertext: text("delta_ciphertext"),
    /** Names of the rotators whose state or configuration this revision changed (what watchers are told). */
    changedRotators: jsonb("changed_rotators").$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("environment_revisions_env_rev").on(t.environmentId, t.revision),
    // Opening revision N starts from the newest snapshot at or before N.
    index("environment_revisions_snapshots").on(t.environmentId, t.revision).where(sql`${t.documentCiphertext} is not null`),
  ],
);

/** Plain (non-rotated) values of an environment; secret ones are encrypted. */
export const environmentValues = pgTable(
  "environment_values",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    secret: boolean("secret").notNull().default(false),
    plainValue: text("plain_value"),
    valueCiphertext: text("value_ciphertext"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("environment_values_env_key").on(t.environmentId, t.key)],
);

export const loginProviders = pgTable(
  "login_providers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["static", "oidc"] }).notNull(),
    /** Non-secret settings (role ARN, audience, region, ...). */
    config: jsonb("config").notNull().default({}),
    secretCiphertext: text("secret_ciphertext"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("login_providers_name_unique").on(sql`lower(${t.name})`)],
);

export const connectors = pgTable(
  "connectors",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["aws-lambda"] }).notNull(),
    config: jsonb("config").notNull().default({}),
    loginProviderId: uuid("login_provider_id").references(() => loginProviders.id, { onDelete: "restrict" }),
    /** The request-signing secret shared with the deployed handler. */
    secretCiphertext: text("secret_ciphertext"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("connectors_name_unique").on(sql`lower(${t.name})`)],
);

export const rotators = pgTable(
  "rotators",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    type: text("type", { enum: ROTATOR_TYPES }).notNull(),
    /** Inputs with secret paths removed; the secret paths are in `secretInputsCiphertext`. */
    inputs: jsonb("inputs").notNull().default({}),
    secretInputsCiphertext: text("secret_inputs_ciphertext"),
    /** `{ current, previous }`, encrypted. */
    stateCiphertext: text("state_ciphertext"),
    /** Non-secret description of the state for lists (current username / key id). */
    stateSummary: jsonb("state_summary").notNull().default({}),
    connectorId: uuid("connector_id").references(() => connectors.id, { onDelete: "restrict" }),
    loginProviderId: uuid("login_provider_id").references(() => loginProviders.id, { onDelete: "restrict" }),
    /** Lease that keeps rotations of one rotator from overlapping, across processes. */
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    lastRunId: uuid("last_run_id"),
    lastRotatedAt: timestamp("last_rotated_at", { withTimezone: true }),
    /** The environment revision that introduced `current` (a consumer that has not received it still holds
     *  what the next rotation retires). */
    stateRevision: integer("state_revision"),
    failingSince: timestamp("failing_since", { withTimezone: true }),
    lastError: text("last_error"),
    /** The `failingSince` whose final failure was notified (one rotation.failed per failure episode; cleared,
     *  with one rotation.recovered, when the rotator works again). */
    notifiedFailingSince: timestamp("notified_failing_since", { withTimezone: true }),
    /** The lockout guard: what a rotation does when the credential it would retire is still in use. */
    lockoutPolicy: text("lockout_policy", { enum: LOCKOUT_POLICIES }).notNull().default("warn"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("rotators_env_name_unique").on(t.environmentId, sql`lower(${t.name})`),
    index("rotators_type_idx").on(t.type),
  ],
);

export const schedules = pgTable(
  "schedules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Exactly one of rotatorId / environmentId is set. */
    rotatorId: uuid("rotator_id").references(() => rotators.id, { onDelete: "cascade" }),
    environmentId: uuid("environment_id").references(() => environments.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["cron", "interval", "once"] }).notNull(),
    cron: text("cron"),
    timezone: text("timezone").notNull().default("UTC"),
    intervalSeconds: integer("interval_seconds"),
    /** Wall-clock time (HH:MM in `timezone`) of an every-N-days interval; null for every-N-hours. */
    intervalAt: text("interval_at"),
    runAt: timestamp("run_at", { withTimezone: true }),
    windowMinutes: integer("window_minutes").notNull().default(0),
    paused: boolean("paused").notNull().default(false),
    /** When the scheduler starts the next run: `nextSlotAt` plus a random offset within the window. */
    nextRunAt: timestamp("next_run_at", { withTimezone: true }),
    /** The nominal time of the next run (anchors intervals); null once a one-off schedule has run. */
    nextSlotAt: timestamp("next_slot_at", { withTimezone: true }),
    lastRunAt: timestamp("last_run_at", { withTimezone: true }),
    /** succeeded | failed | partial (some rotators of an environment failed) | skipped */
    lastOutcome: text("last_outcome"),
    retryCount: integer("retry_count").notNull().default(0),
    nextRetryAt: timestamp("next_retry_at", { withTimezone: true }),
    /** Environment schedules: the rotators the pending retry will rotate again (the ones that failed). */
    retryRotatorIds: jsonb("retry_rotator_ids").$type<string[]>(),
    /** Set when rotation.overdue was sent for the current overdue episode; cleared when the schedule runs. */
    overdueNotifiedAt: timestamp("overdue_notified_at", { withTimezone: true }),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("schedules_due_idx").on(t.paused, t.nextRunAt),
    index("schedules_retry_idx").on(t.paused, t.nextRetryAt),
    uniqueIndex("schedules_rotator_unique").on(t.rotatorId),
    uniqueIndex("schedules_environment_unique").on(t.environmentId),
  ],
);

// Index columns are `DESC NULLS FIRST` because that is what `ORDER BY x DESC` means in PostgreSQL; an index
// built `DESC NULLS LAST` (drizzle's default) cannot serve the history and audit pages' ordering.
export const rotationRuns = pgTable(
  "rotation_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Kept after the rotator is deleted (history survives); then `rotatorId` is null. */
    rotatorId: uuid("rotator_id").references(() => rotators.id, { onDelete: "set null" }),
    environmentId: uuid("environment_id").references(() => environments.id, { onDelete: "set null" }),
    rotatorName: text("rotator_name").notNull(),
    rotatorType: text("rotator_type").notNull(),
    environmentName: text("environment_name").notNull(),
    /** Groups the runs of one "rotate the whole environment" request. */
    batchId: uuid("batch_id"),
    trigger: text("trigger", { enum: RUN_TRIGGERS }).notNull(),
    actorId: uuid("actor_id"),
    actorLabel: text("actor_label").notNull(),
    status: text("status", { enum: RUN_STATUSES }).notNull(),
    attempt: integer("attempt").notNull().default(1),
    /** Write-ahead record of the credential being installed, encrypted; cleared on commit/abandon. */
    pendingCiphertext: text("pending_ciphertext"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    revisionBefore: integer("revision_before"),
    revisionAfter: integer("revision_after"),
    /** The lockout guard's finding about the credential this run retires (no secret values). */
    retiringCheck: jsonb("retiring_check").$type<RetiringCheck>(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /** Set when the notifier has taken the finished run (webhooks: rotation.succeeded); an outbox marker. */
    notifiedAt: timestamp("notified_at", { withTimezone: true }),
  },
  (t) => [
    index("rotation_runs_unnotified_idx").on(t.finishedAt).where(sql`${t.notifiedAt} is null`),
    index("rotation_runs_rotator_idx").on(t.rotatorId, t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("rotation_runs_started_idx").on(t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("rotation_runs_env_idx").on(t.environmentId, t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("rotation_runs_status_idx").on(t.status, t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("rotation_runs_type_idx").on(t.rotatorType, t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // History filtered by trigger, alone or with a type: without these a rare combination walks every run.
    index("rotation_runs_trigger_idx").on(t.trigger, t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("rotation_runs_type_trigger_idx").on(t.rotatorType, t.trigger, t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("rotation_runs_batch_idx").on(t.batchId),
  ],
);

/**
 * Finished runs counted by rotator type and status, with their durations as cumulative histogram buckets:
 * what /api/metrics exposes as rotor_rotations_total and rotor_rotation_duration_seconds, read in one small
 * query however many runs there are. Kept by a trigger on rotation_runs (migration 0006), so every code
 * path that finishes a run counts it exactly once, in the same transaction. Never decremented: deleting
 * runs does not make a counter go down. The bucket bounds are `rotor_run_duration_bounds()`.
 */
export const rotationRunTotals = pgTable(
  "rotation_run_totals",
  {
    rotatorType: text("rotator_type").notNull(),
    status: text("status", { enum: ["succeeded", "failed"] }).notNull(),
    runs: bigint("runs", { mode: "number" }).notNull().default(0),
    durationSecondsSum: doublePrecision("duration_seconds_sum").notNull().default(0),
    /** Cumulative counts, one per bound of rotor_run_duration_bounds(). */
    durationBuckets: bigint("duration_buckets", { mode: "number" }).array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.rotatorType, t.status] })],
);

/**
 * Runs per UTC day (of their start) and status, as they stand now: the overview's 30-day chart reads 60
 * rows instead of counting every run of the month. Kept by a trigger on rotation_runs (migration 0009) that
 * moves a run between counts when its status changes and drops it when the run is deleted, so it always
 * equals a direct count (unlike rotation_run_totals, which counts finished attempts and never goes down).
 */
export const rotationRunDays = pgTable(
  "rotation_run_days",
  {
    day: date("day", { mode: "string" }).notNull(),
    status: text("status", { enum: RUN_STATUSES }).notNull(),
    runs: bigint("runs", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.status] })],
);

/** Each scheduler process (server or worker) says here that it is alive, every poll; read by /api/metrics. */
export const schedulerHeartbeats = pgTable("scheduler_heartbeats", {
  owner: text("owner").primaryKey(),
  beatAt: timestamp("beat_at", { withTimezone: true }).notNull().defaultNow(),
  /** When the process counts as gone if it has not beaten again. */
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

export const rotationSteps = pgTable(
  "rotation_steps",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id")
      .notNull()
      .references(() => rotationRuns.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** interrupted: the process running it died; the run was resumed (or is still waiting to be). */
    status: text("status", { enum: ["running", "succeeded", "failed", "skipped", "interrupted"] }).notNull(),
    message: text("message"),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("rotation_steps_run_idx").on(t.runId, t.id)],
);

/** Where notifications go: global (environmentId null) or for one environment. */
export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /** The URL is a credential for some receivers (a Slack webhook URL is), so it is stored encrypted ... */
    urlCiphertext: text("url_ciphertext").notNull(),
    /** ... and shown as scheme://host/… only. */
    urlDisplay: text("url_display").notNull(),
    environmentId: uuid("environment_id").references(() => environments.id, { onDelete: "cascade" }),
    events: jsonb("events").$type<WebhookEvent[]>().notNull(),
    /** json: Rotor's own payload; slack: a Slack-compatible `{ text, blocks }` message. */
    format: text("format", { enum: ["json", "slack"] }).notNull().default("json"),
    /** Standard Webhooks signing secret (`whsec_…`), encrypted. */
    secretCiphertext: text("secret_ciphertext").notNull(),
    /** After a renewal, the previous secret keeps signing (beside the new one) until this moment. */
    previousSecretCiphertext: text("previous_secret_ciphertext"),
    previousSecretExpiresAt: timestamp("previous_secret_expires_at", { withTimezone: true }),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("webhooks_name_unique").on(sql`lower(${t.name})`)],
);

/** One event for one webhook, with its delivery attempts; also the delivery log shown in the UI. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    /** Shared by the deliveries of one event to several webhooks. */
    eventId: uuid("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The event as sent (never contains a secret). */
    payload: jsonb("payload").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    responseStatus: integer("response_status"),
    lastError: text("last_error"),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    createdAt: createdAt(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("webhook_deliveries_webhook_idx").on(t.webhookId, t.createdAt.desc().nullsFirst()),
    index("webhook_deliveries_created_idx").on(t.createdAt.desc().nullsFirst()),
  ],
);

/**
 * Append-only, hash-chained audit log. A database trigger (see the migration) refuses UPDATE and DELETE, and
 * each row's `hash` covers the previous row's hash, so a removed or edited row breaks the chain.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    actorId: uuid("actor_id"),
    actorLabel: text("actor_label").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    targetLabel: text("target_label"),
    outcome: text("outcome", { enum: ["success", "failure", "denied"] }).notNull(),
    ip: text("ip"),
    details: jsonb("details").notNull().default({}),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    index("audit_events_actor_idx").on(t.actorId, t.id.desc().nullsFirst()),
    // The audit page's actor filter (exact, case-insensitive) and its typeahead (a prefix range of the same
    // key: "C" collation, so a prefix is one contiguous range whatever the database's collation).
    index("audit_events_actor_label_idx").on(sql`(lower(${t.actorLabel}) collate "C")`, t.id.desc().nullsFirst()),
    index("audit_events_action_idx").on(t.action, t.id.desc().nullsFirst()),
    index("audit_events_target_idx").on(t.targetType, t.targetId, t.id.desc().nullsFirst()),
    index("audit_events_at_idx").on(t.at.desc().nullsFirst()),
  ],
);

/**
 * API tokens. Only a SHA-256 hash of each token is stored (the token is 256 random bits, so a fast hash is
 * enough); `prefix` is the part shown in lists. A service token has a scope and an environment list; a
 * personal token acts with its owner's current role and ends with the owner.
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: text("kind", { enum: TOKEN_KINDS }).notNull(),
    tokenHash: text("token_hash").notNull(),
    prefix: text("prefix").notNull(),
    /** Service tokens only. */
    scope: text("scope", { enum: TOKEN_SCOPES }),
    /** Service tokens: the environments it may use; null = all. */
    environmentIds: jsonb("environment_ids").$type<string[] | null>(),
    /** Personal tokens: the owner. */
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    createdById: uuid("created_by_id"),
    createdByLabel: text("created_by_label").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("api_tokens_hash_unique").on(t.tokenHash), index("api_tokens_user_idx").on(t.userId)],
);

/**
 * Who read an environment: one row per environment and consumer (a token, or a user in the dashboard), with
 * the revision it last received. This is what lets Rotor warn before retiring a credential someone still holds.
 */
export const environmentConsumers = pgTable(
  "environment_consumers",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id, { onDelete: "cascade" }),
    /** `token:<id>` or `user:<id>`. */
    consumerKey: text("consumer_key").notNull(),
    tokenId: uuid("token_id").references(() => apiTokens.id, { onDelete: "cascade" }),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    /** The revision this consumer last received (a 304 confirms it still holds it). */
    revision: integer("revision").notNull(),
    firstOpenedAt: timestamp("first_opened_at", { withTimezone: true }).notNull().defaultNow(),
    lastOpenedAt: timestamp("last_opened_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("environment_consumers_key").on(t.environmentId, t.consumerKey)],
);

export type User = typeof users.$inferSelect;
export type UserSession = typeof userSessions.$inferSelect;
export type SignInThrottle = typeof signInThrottles.$inferSelect;
export type ApiToken = typeof apiTokens.$inferSelect;
export type EnvironmentConsumer = typeof environmentConsumers.$inferSelect;
export type Environment = typeof environments.$inferSelect;
export type RotatorRow = typeof rotators.$inferSelect;
export type RotationRun = typeof rotationRuns.$inferSelect;
export type RotationStep = typeof rotationSteps.$inferSelect;
export type AuditEvent = typeof auditEvents.$inferSelect;
export type Schedule = typeof schedules.$inferSelect;
export type Webhook = typeof webhooks.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
