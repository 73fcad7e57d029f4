/**
 * The scheduler in one process against a real store (embedded PGlite, the default install) and a real,
 * password-checking PostgreSQL as the target: retries with backoff through a target that fails and then
 * recovers, one notification per failure episode and one on recovery, delivered to a webhook receiver on
 * loopback that checks every signature; overdue detection; missed runs; graceful shutdown.
 *
 * The target "fails" for a while by letting Rotor's managing role open no connection (CONNECTION LIMIT 0: the
 * server is "not accepting connections right now", a failure worth retrying), and "recovers" by lifting the
 * limit; a failure no retry can help (the role may not log in at all) is tried once. Nothing in Rotor is faked.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { createEnvironment } from "../environments/service";
import { createRotator } from "../rotation/rotator-service";
import { loadScheduleCoverage, saveSchedule } from "./service";
import { createWebhook, renewWebhookSecret, retirePreviousWebhookSecret, sendTestWebhook } from "../webhooks/service";
import { rotatorStatusDetail } from "../rotation/status";
import { getRotatorById } from "../db/queries/rotators";
import { getScheduleById, getScheduleByTarget, lockLeasedSchedule, updateScheduleById } from "../db/queries/schedules";
import { listRuns, listStepsByRun } from "../db/queries/runs";
import { listDeliveries } from "../db/queries/webhooks";
import { collectNotifications, type CollectOptions, type NotifierOptions } from "../webhooks/notifier";
import { describeStoredSchedule } from "./schedule-spec";
import { Webhook } from "standardwebhooks";
import type { NotificationEvent } from "../webhooks/events";
import { Scheduler, type SchedulerOptions } from "./scheduler";

// Counted, not changed: it is the finish's locked fallback, taken only when the schedule changed during the run.
vi.mock("../db/queries/schedules", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../db/queries/schedules")>();
  return { ...actual, lockLeasedSchedule: vi.fn(actual.lockLeasedSchedule) };
});
const lockedFinishes = (scheduleId: string) => vi.mocked(lockLeasedSchedule).mock.calls.filter(([{ id }]) => id === scheduleId).length;

const HOUR = 3_600_000;
const MANAGER = { username: "rotor_manager", password: "manager-password-1" };

let cluster: PgCluster;
let app: TestApp;
let environmentId: string;
let receiver: Receiver;

interface Received {
  path: string;
  event: string;
  verified: boolean;
  body: Record<string, unknown>;
}

interface Receiver {
  url: string;
  received: Received[];
  secrets: Map<string, string>;
  /** Respond with this status to the next N requests on a path. */
  failNext: Map<string, number>;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 that verifies the HMAC signature of every request, as a user's would. */
async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const secrets = new Map<string, string>();
  const failNext = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      const verified = verifiesWith(secrets.get(path), raw, req.headers);
      received.push({ path, event: String(req.headers["x-rotor-event"]), verified, body: JSON.parse(raw) });
      const failures = failNext.get(path) ?? 0;
      if (failures > 0) {
        failNext.set(path, failures - 1);
        res.writeHead(503).end("try later");
        return;
      }
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, secrets, failNext, close: () => new Promise((r) => server.close(() => r())) };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(50);
  }
}

const notifications = (overrides: Partial<NotifierOptions> = {}) => ({
  publicUrl: "https://rotor.test",
  maxAttempts: 4,
  timeoutMs: 5_000,
  backoff: { baseDelayMs: 200, maxDelayMs: 1_000 },
  ...overrides,
});

function schedulerOptions(overrides: Partial<SchedulerOptions> = {}): SchedulerOptions {
  return {
    concurrency: 2,
    pollMs: 100,
    minIntervalMs: HOUR,
    retry: { maxRetries: 3, baseDelayMs: 1_000, maxDelayMs: 4_000 },
    overdueGraceMs: 10 * 60_000,
    shutdownGraceMs: 10_000,
    notifications: notifications(),
    ...overrides,
  };
}

/** A transient failure: the server refuses the managing role's connections until the limit is lifted. */
async function setManagerConnections(allowed: boolean) {
  await cluster.withSuperuser((c) => c.query(`alter role rotor_manager connection limit ${allowed ? -1 : 0}`));
}

/** A failure no retry can help: the managing role may not log in at all. */
async function setManagerLogin(allowed: boolean) {
  await cluster.withSuperuser((c) => c.query(`alter role rotor_manager ${allowed ? "login" : "nologin"}`));
}

let counter = 0;
async function newPostgresRotator(name: string) {
  counter += 1;
  const [u1, u2] = [`sched_${counter}_a`, `sched_${counter}_b`];
  await cluster.withSuperuser(async (c) => {
    for (const u of [u1, u2]) await c.query(`create role ${u} login password 'initial-${u}'`);
  });
  return createRotator(app, {
    actor: TEST_ACTOR,
    environmentId,
    name,
    type: "postgres",
    inputs: { host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "disable" }, managing: MANAGER, username1: u1, username2: u2 },
  });
}

/** A daily schedule whose run is made due now (the store's clock decides what is due). */
async function dueDailySchedule(rotatorId: string) {
  const schedule = await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId }, input: { kind: "cron", cron: "0 3 * * *", timezone: "Europe/Berlin" }, minIntervalMs: HOUR });
  await updateScheduleById({ db: app.db, id: schedule.id, patch: { nextRunAt: new Date(Date.now() - 1000) } });
  return schedule;
}

async function runsOf(rotatorId: string) {
  return (await listRuns({ db: app.db, filter: { rotatorId }, limit: 50 })).runs.reverse();
}

/** Verified notifications received at a path, one per event (a retried delivery repeats the event id). */
function eventsAt(path: string, type?: string) {
  const seen = new Set<unknown>();
  return receiver.received.filter((r) => {
    if (r.path !== path || (type && r.event !== type) || !r.verified || seen.has(r.body.id)) return false;
    seen.add(r.body.id);
    return true;
  });
}

beforeAll(async () => {
  [cluster, app, receiver] = await Promise.all([startPgCluster(), openTestApp("pglite"), startReceiver()]);
  await cluster.withSuperuser((c) => c.query(`create role rotor_manager login createrole password '${MANAGER.password}'`));
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "prod", description: "" })).id;
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await app?.destroy();
  await cluster?.stop();
});

describe("scheduler", () => {
  it("a renewed secret overlaps: receivers holding either secret verify until the previous one is retired", async () => {
    const hook = await createWebhook(app, { actor: TEST_ACTOR, input: { name: "renewed", url: `${receiver.url}/renewed`, environmentId: "", events: ["rotation.failed"], format: "json" } });
    const options = { owner: "test", overdueGraceMs: HOUR, ...notifications() };
    const send = () => sendTestWebhook(app, { actor: TEST_ACTOR, webhookId: hook.webhook.id, notifier: options });
    receiver.secrets.set("/renewed", hook.secret);
    expect(await send()).toMatchObject({ status: "succeeded", responseStatus: 204 });

    const renewed = await renewWebhookSecret(app, { actor: TEST_ACTOR, webhookId: hook.webhook.id, overlapHours: 24 });
    expect(renewed).not.toBe(hook.secret);
    expect(await send(), "a receiver still on the old secret").toMatchObject({ status: "succeeded", responseStatus: 204 });
    receiver.secrets.set("/renewed", renewed);
    expect(await send(), "a receiver on the new secret").toMatchObject({ status: "succeeded", responseStatus: 204 });

    await retirePreviousWebhookSecret(app, { actor: TEST_ACTOR, webhookId: hook.webhook.id });
    receiver.secrets.set("/renewed", hook.secret);
    expect(await send(), "the old secret no longer signs").toMatchObject({ status: "failed", responseStatus: 401 });
    receiver.secrets.set("/renewed", renewed);
    expect(await send()).toMatchObject({ status: "succeeded", responseStatus: 204 });
  });

  it("delivers a signed test notification in JSON and in Slack format, and logs it", async () => {
    const json = await createWebhook(app, { actor: TEST_ACTOR, input: { name: "ops-json", url: `${receiver.url}/test-json`, environmentId: "", events: ["rotation.failed"], format: "json" } });
    const slack = await createWebhook(app, { actor: TEST_ACTOR, input: { name: "ops-slack", url: `${receiver.url}/test-slack?token=abc`, environmentId: "", events: ["rotation.failed"], format: "slack" } });
    receiver.secrets.set("/test-json", json.secret);
    receiver.secrets.set("/test-slack?token=abc", slack.secret);
    expect(slack.webhook.urlDisplay).toBe(`${receiver.url}/…`);

    const options = { owner: "test", overdueGraceMs: HOUR, ...notifications() };
    expect(await sendTestWebhook(app, { actor: TEST_ACTOR, webhookId: json.webhook.id, notifier: options })).toMatchObject({ status: "succeeded", attempts: 1, responseStatus: 204 });
    expect(await sendTestWebhook(app, { actor: TEST_ACTOR, webhookId: slack.webhook.id, notifier: options })).toMatchObject({ status: "succeeded" });
    const [jsonEvent] = eventsAt("/test-json", "webhook.test");
    expect(jsonEvent.body).toMatchObject({ type: "webhook.test", summary: expect.stringContaining("tester@example.com") });
    const [slackEvent] = eventsAt("/test-slack?token=abc", "webhook.test");
    expect(slackEvent.body).toMatchObject({ text: expect.stringContaining("Test notification"), blocks: expect.any(Array) });

    // A receiver that refuses is recorded as a failed delivery (a test is not retried).
    receiver.failNext.set("/test-json", 1);
    expect(await sendTestWebhook(app, { actor: TEST_ACTOR, webhookId: json.webhook.id, notifier: options })).toMatchObject({
      status: "failed",
      responseStatus: 503,
      error: "HTTP 503 (Service Unavailable)",
    });
    const log = await listDeliveries({ db: app.db, webhookId: json.webhook.id, limit: 10 });
    expect(log.map((d) => [d.eventType, d.status])).toEqual([
      ["webhook.test", "failed"],
      ["webhook.test", "succeeded"],
    ]);
  });

  it("retries a failed scheduled rotation with backoff until the target recovers, without a failure notification", async () => {
    const hook = await createWebhook(app, {
      actor: TEST_ACTOR,
      input: { name: "episodes-1", url: `${receiver.url}/retry`, environmentId, events: ["rotation.succeeded", "rotation.failed", "rotation.recovered"], format: "json" },
    });
    receiver.secrets.set("/retry", hook.secret);
    const rotator = await newPostgresRotator("retried");
    await setManagerConnections(false);
    const schedule = await dueDailySchedule(rotator.id);
    const scheduler = new Scheduler(app, schedulerOptions());
    scheduler.start();
    try {
      await waitFor("two failed attempts", async () => (await runsOf(rotator.id)).filter((r) => r.status === "failed").length >= 2);
      // Between attempts the rotator is "retrying", with the time of the next attempt.
      const row = (await getRotatorById({ db: app.db, id: rotator.id }))!;
      const coverage = await loadScheduleCoverage({ db: app.db, rotators: [row], overdueGraceMs: HOUR });
      const detail = rotatorStatusDetail(row, new Date(), coverage.get(rotator.id));
      expect(detail.status).toBe("retrying");
      expect(detail.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());

      await setManagerConnections(true);
      await waitFor("a successful retry", async () => (await runsOf(rotator.id)).some((r) => r.status === "succeeded"));
      await waitFor("the success notification", async () => eventsAt("/retry", "rotation.succeeded").length === 1);
    } finally {
      await scheduler.stop();
      await setManagerConnections(true);
    }

    const runs = await runsOf(rotator.id);
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([
      ["schedule", "failed"],
      ["retry", "failed"],
      ["retry", "succeeded"],
    ]);
    // Backoff: retry n waits at least half of base·2^(n-1) after the previous attempt ended.
    expect(runs[1].startedAt.getTime() - runs[0].finishedAt!.getTime()).toBeGreaterThanOrEqual(500 - 50);
    expect(runs[2].startedAt.getTime() - runs[1].finishedAt!.getTime()).toBeGreaterThanOrEqual(1_000 - 50);
    // Every scheduled attempt starts with the preflight: the refused ones stopped there, before a password was
    // generated or anything reached the target; the successful retry went on from it.
    for (const failed of runs.slice(0, 2)) {
      expect((await listStepsByRun({ db: app.db, runId: failed.id })).map((s) => [s.name, s.status])).toEqual([["preflight", "failed"]]);
    }
    const succeeded = (await listStepsByRun({ db: app.db, runId: runs[2].id })).map((s) => s.name);
    expect(succeeded[0]).toBe("preflight");
    expect(succeeded).toContain("commit");
    const after = (await getScheduleById({ db: app.db, id: schedule.id }))!;
    expect(after).toMatchObject({ retryCount: 0, nextRetryAt: null, lastOutcome: "succeeded", leaseOwner: null });
    expect(after.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
    expect((await getRotatorById({ db: app.db, id: rotator.id }))!.failingSince).toBeNull();
    // Recovered within its retries: no failure episode, so neither rotation.failed nor rotation.recovered.
    expect(eventsAt("/retry").map((e) => e.event)).toEqual(["rotation.succeeded"]);
    expect(receiver.received.filter((r) => r.path === "/retry" && !r.verified)).toEqual([]);
  });

  it("notifies a failure episode once, however many attempts fail, and the recovery once", async () => {
    const hook = await createWebhook(app, {
      actor: TEST_ACTOR,
      input: { name: "episodes-2", url: `${receiver.url}/episode`, environmentId: "", events: ["rotation.failed", "rotation.recovered"], format: "json" },
    });
    receiver.secrets.set("/episode", hook.secret);
    // The receiver is down for the first attempt: the delivery is retried.
    receiver.failNext.set("/episode", 1);
    const rotator = await newPostgresRotator("flaky");
    await setManagerConnections(false);
    const schedule = await dueDailySchedule(rotator.id);
    const scheduler = new Scheduler(app, schedulerOptions({ retry: { maxRetries: 1, baseDelayMs: 300, maxDelayMs: 300 } }));
    scheduler.start();
    try {
      await waitFor("the failure notification", async () => eventsAt("/episode", "rotation.failed").length === 1);
      expect((await runsOf(rotator.id)).map((r) => [r.trigger, r.status])).toEqual([
        ["schedule", "failed"],
        ["retry", "failed"],
      ]);
      const failed = eventsAt("/episode", "rotation.failed")[0].body as unknown as NotificationEvent;
      expect(failed).toMatchObject({
        type: "rotation.failed",
        rotator: { id: rotator.id, name: "flaky", type: "postgres", url: `https://rotor.test/rotators/${rotator.id}` },
        environment: { name: "prod" },
        failedAttempts: 2,
        run: { trigger: "retry", status: "failed", errorCode: expect.any(String) },
      });
      expect(JSON.stringify(failed)).not.toContain(MANAGER.password);

      // The next scheduled run fails again (with its retry): same episode, no new notification.
      await updateScheduleById({ db: app.db, id: schedule.id, patch: { nextRunAt: new Date(Date.now() - 1000) } });
      await waitFor("four failed attempts", async () => (await runsOf(rotator.id)).filter((r) => r.status === "failed").length === 4);
      await waitFor("the retries to end", async () => !(await getScheduleById({ db: app.db, id: schedule.id }))!.nextRetryAt);
      await wait(500);
      expect(eventsAt("/episode", "rotation.failed")).toHaveLength(1);
      const row = (await getRotatorById({ db: app.db, id: rotator.id }))!;
      const coverage = await loadScheduleCoverage({ db: app.db, rotators: [row], overdueGraceMs: HOUR });
      expect(rotatorStatusDetail(row, new Date(), coverage.get(rotator.id))).toMatchObject({ status: "failing", since: row.failingSince });

      await setManagerConnections(true);
      await updateScheduleById({ db: app.db, id: schedule.id, patch: { nextRunAt: new Date(Date.now() - 1000) } });
      await waitFor("the recovery notification", async () => eventsAt("/episode", "rotation.recovered").length === 1);
      await wait(500);
    } finally {
      await scheduler.stop();
      await setManagerConnections(true);
    }
    expect(eventsAt("/episode").map((e) => e.event)).toEqual(["rotation.failed", "rotation.recovered"]);
    // The failure notification was delivered on its second attempt; the log shows both.
    const log = await listDeliveries({ db: app.db, webhookId: hook.webhook.id, limit: 10 });
    expect(log.map((d) => [d.eventType, d.status, d.attempts])).toEqual([
      ["rotation.recovered", "succeeded", 1],
      ["rotation.failed", "succeeded", 2],
    ]);
    expect(receiver.received.filter((r) => r.path === "/episode").map((r) => r.verified)).toEqual([true, true, true]);
  });

  it("does not retry a failure that a retry cannot help, and notifies it at once", async () => {
    const hook = await createWebhook(app, {
      actor: TEST_ACTOR,
      input: { name: "no-retry", url: `${receiver.url}/no-retry`, environmentId, events: ["rotation.failed"], format: "json" },
    });
    receiver.secrets.set("/no-retry", hook.secret);
    const rotator = await newPostgresRotator("refused");
    await setManagerLogin(false);
    const schedule = await dueDailySchedule(rotator.id);
    const scheduler = new Scheduler(app, schedulerOptions({ retry: { maxRetries: 3, baseDelayMs: 200, maxDelayMs: 200 } }));
    scheduler.start();
    try {
      await waitFor("the failure notification", async () => eventsAt("/no-retry", "rotation.failed").length === 1);
      // Three retries 200 ms apart would have run by now.
      await wait(1_500);
    } finally {
      await scheduler.stop();
      await setManagerLogin(true);
    }
    const runs = await runsOf(rotator.id);
    expect(runs.map((r) => [r.trigger, r.status, r.errorCode])).toEqual([["schedule", "failed", "auth:managing-login-failed"]]);
    expect(await getScheduleById({ db: app.db, id: schedule.id })).toMatchObject({ retryCount: 0, nextRetryAt: null, lastOutcome: "failed" });
    const row = (await getRotatorById({ db: app.db, id: rotator.id }))!;
    const coverage = await loadScheduleCoverage({ db: app.db, rotators: [row], overdueGraceMs: HOUR });
    expect(rotatorStatusDetail(row, new Date(), coverage.get(rotator.id)).status).toBe("failing");
  });

  it("drops a pending retry when someone fixed the rotator by hand meanwhile", async () => {
    const rotator = await newPostgresRotator("fixed_by_hand");
    await setManagerConnections(false);
    const schedule = await dueDailySchedule(rotator.id);
    const scheduler = new Scheduler(app, schedulerOptions({ retry: { maxRetries: 3, baseDelayMs: 3_000, maxDelayMs: 3_000 } }));
    scheduler.start();
    try {
      await waitFor("a retry to be planned", async () => (await getScheduleById({ db: app.db, id: schedule.id }))!.nextRetryAt);
      await setManagerConnections(true);
      const { rotateNow } = await import("../rotation/engine");
      expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
      const row = (await getRotatorById({ db: app.db, id: rotator.id }))!;
      const coverage = await loadScheduleCoverage({ db: app.db, rotators: [row], overdueGraceMs: HOUR });
      expect(rotatorStatusDetail(row, new Date(), coverage.get(rotator.id)).status).toBe("healthy");
      await waitFor("the retry to be dropped", async () => !(await getScheduleById({ db: app.db, id: schedule.id }))!.nextRetryAt, 10_000);
    } finally {
      await scheduler.stop();
      await setManagerConnections(true);
    }
    expect((await runsOf(rotator.id)).map((r) => [r.trigger, r.status])).toEqual([
      ["schedule", "failed"],
      ["user", "succeeded"],
    ]);
    expect(await getScheduleById({ db: app.db, id: schedule.id })).toMatchObject({ retryCount: 0, lastOutcome: "skipped" });
  });

  it("an environment schedule's pending retry holds back the failure notice of the rotators it will retry only", async () => {
    const env = await createEnvironment(app, { actor: TEST_ACTOR, name: "staging", description: "" });
    const hook = await createWebhook(app, { actor: TEST_ACTOR, input: { name: "staging", url: `${receiver.url}/staging`, environmentId: env.id, events: ["rotation.failed"], format: "json" } });
    receiver.secrets.set("/staging", hook.secret);
    const [retried, given] = await Promise.all(
      ["retried", "given_up"].map((name) => createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name, type: "password", inputs: {} })),
    );
    const schedule = await saveSchedule(app, { actor: TEST_ACTOR, target: { environmentId: env.id }, input: { kind: "cron", cron: "0 3 * * *", timezone: "UTC" }, minIntervalMs: HOUR });
    await updateScheduleById({ db: app.db, id: schedule.id, patch: { retryCount: 1, nextRetryAt: new Date(Date.now() + HOUR), retryRotatorIds: [retried.id] } });
    const { updateRotatorById } = await import("../db/queries/rotators");
    for (const r of [retried, given]) await updateRotatorById({ db: app.db, id: r.id, patch: { failingSince: new Date(), lastError: "broken" } });
    const options: CollectOptions = { owner: "test", overdueGraceMs: HOUR, describeSchedule: describeStoredSchedule, ...notifications() };
    await collectNotifications(app, options);
    const { deliverDueWebhooks } = await import("../webhooks/notifier");
    await deliverDueWebhooks(app, options);
    expect(eventsAt("/staging").map((e) => (e.body as unknown as NotificationEvent).rotator?.name)).toEqual(["given_up"]);
    const rows = await Promise.all([retried, given].map((r) => getRotatorById({ db: app.db, id: r.id })));
    const coverage = await loadScheduleCoverage({ db: app.db, rotators: rows.map((r) => r!), overdueGraceMs: HOUR });
    expect(rows.map((r) => rotatorStatusDetail(r!, new Date(), coverage.get(r!.id)).status)).toEqual(["retrying", "failing"]);
  });

  it("notices an overdue schedule once, and shows the rotator as overdue", async () => {
    const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "late", type: "password", inputs: {} });
    const hook = await createWebhook(app, { actor: TEST_ACTOR, input: { name: "overdue", url: `${receiver.url}/overdue`, environmentId, events: ["rotation.overdue"], format: "json" } });
    receiver.secrets.set("/overdue", hook.secret);
    const schedule = await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId: rotator.id }, input: { kind: "interval", every: "7", unit: "days", at: "03:00", timezone: "UTC" }, minIntervalMs: HOUR });
    // Due an hour ago and nobody ran it (no scheduler claimed it: as if every scheduler were down).
    await updateScheduleById({ db: app.db, id: schedule.id, patch: { nextRunAt: new Date(Date.now() - HOUR) } });
    const options: CollectOptions = { owner: "test", overdueGraceMs: 10 * 60_000, describeSchedule: describeStoredSchedule, ...notifications() };
    await collectNotifications(app, options);
    await collectNotifications(app, options);
    const scheduler = new Scheduler(app, schedulerOptions());
    await scheduler.tick().then(() => scheduler.idle());
    await scheduler.stop();
    const overdue = eventsAt("/overdue", "rotation.overdue");
    expect(overdue).toHaveLength(1);
    expect(overdue[0].body).toMatchObject({ rotator: { name: "late" }, schedule: { id: schedule.id, description: "every 7 days at 03:00 (UTC)" } });
    // The scheduler then ran it, which ends the overdue episode.
    expect((await getScheduleById({ db: app.db, id: schedule.id }))!.overdueNotifiedAt).toBeNull();
  });

  it("after downtime runs a missed schedule once and plans the next run in the future", async () => {
    const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "missed", type: "password", inputs: {} });
    const schedule = await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId: rotator.id }, input: { kind: "cron", cron: "0 */2 * * *", timezone: "UTC" }, minIntervalMs: HOUR });
    // Five slots were missed while Rotor was down.
    await updateScheduleById({ db: app.db, id: schedule.id, patch: { nextRunAt: new Date(Date.now() - 10 * HOUR), nextSlotAt: new Date(Date.now() - 10 * HOUR) } });
    const scheduler = new Scheduler(app, schedulerOptions());
    scheduler.start();
    await waitFor("the catch-up run", async () => (await getScheduleById({ db: app.db, id: schedule.id }))!.lastRunAt);
    await wait(500);
    await scheduler.stop();
    expect((await runsOf(rotator.id)).map((r) => [r.trigger, r.status])).toEqual([["schedule", "succeeded"]]);
    const after = (await getScheduleById({ db: app.db, id: schedule.id }))!;
    expect(after.nextRunAt!.getTime()).toBeGreaterThan(Date.now() + HOUR - 60_000);
  });

  it("shuts down gracefully: claims nothing new and lets the running rotation finish", async () => {
    const slow = await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "slow", type: "password", inputs: {} });
    const other = await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "other", type: "password", inputs: {} });
    const scheduler = new Scheduler(
      app,
      schedulerOptions({ concurrency: 1, engine: { hooks: { afterStep: async (step) => void (step === "plan" ? await wait(1_500) : undefined) } } }),
    );
    const first = await dueDailySchedule(slow.id);
    scheduler.start();
    await waitFor("the slow rotation to start", async () => (await runsOf(slow.id)).length === 1);
    await dueDailySchedule(other.id);
    expect(await scheduler.stop()).toEqual({ stillRunning: 0 });
    expect((await runsOf(slow.id)).map((r) => r.status)).toEqual(["succeeded"]);
    expect(await getScheduleById({ db: app.db, id: first.id })).toMatchObject({ leaseOwner: null, lastOutcome: "succeeded" });
    // The other schedule was due, but this scheduler had stopped claiming.
    expect(await runsOf(other.id)).toEqual([]);
    expect((await getScheduleByTarget({ db: app.db, target: { rotatorId: other.id } }))!.lastRunAt).toBeNull();
  });
  it("drains a backlog without waiting for polls: a finished run's slot is refilled at once, never above the limit", async () => {
    const rotators = await Promise.all(
      Array.from({ length: 6 }, (_, i) => createRotator(app, { actor: TEST_ACTOR, environmentId, name: `backlog-${i}`, type: "password", inputs: {} })),
    );
    for (const rotator of rotators) await dueDailySchedule(rotator.id);
    // One poll in the whole test: every later claim and notification sweep follows a finished run.
    let peak = 0;
    const scheduler: Scheduler = new Scheduler(
      app,
      schedulerOptions({ concurrency: 2, pollMs: 60_000, engine: { hooks: { afterStep: async () => void (peak = Math.max(peak, scheduler.running)) } } }),
    );
    scheduler.start();
    try {
      // (Schedules earlier tests left due are drained too: wait for these six.)
      await waitFor("the backlog to drain", async () => (await Promise.all(rotators.map(async (r) => (await runsOf(r.id))[0]?.status))).every((s) => s === "succeeded"), 20_000);
      // Notified within about a second of the last run finishing, not at the next poll a minute later.
      await waitFor("every run to be collected for notification", async () => (await Promise.all(rotators.map(async (r) => (await runsOf(r.id))[0]?.notifiedAt))).every(Boolean), 5_000);
    } finally {
      await scheduler.stop();
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
    for (const rotator of rotators) expect((await runsOf(rotator.id)).map((r) => r.status)).toEqual(["succeeded"]);
  });

  it("records an untouched schedule's run, plans its next one and releases its lease in one statement", async () => {
    const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "finished-at-once", type: "password", inputs: {} });
    const schedule = await dueDailySchedule(rotator.id);
    const scheduler = new Scheduler(app, schedulerOptions());
    await scheduler.tick().then(() => scheduler.idle());
    await scheduler.stop();
    expect((await runsOf(rotator.id)).map((r) => [r.trigger, r.status])).toEqual([["schedule", "succeeded"]]);
    const after = (await getScheduleById({ db: app.db, id: schedule.id }))!;
    expect(after).toMatchObject({ leaseOwner: null, leaseExpiresAt: null, lastOutcome: "succeeded", retryCount: 0, nextRetryAt: null });
    expect(after.nextRunAt!.getTime()).toBeGreaterThan(Date.now() + HOUR);
    expect(lockedFinishes(schedule.id)).toBe(0);
  });

  it("keeps an edit made to the schedule during its run: the next run is planned from the edited schedule", async () => {
    const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "edited-during-run", type: "password", inputs: {} });
    const schedule = await dueDailySchedule(rotator.id); // 03:00 Europe/Berlin
    let edited = false;
    const edit = async () => {
      if (edited) return;
      edited = true;
      await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId: rotator.id }, input: { kind: "cron", cron: "30 5 * * *", timezone: "UTC" }, minIntervalMs: HOUR });
    };
    const scheduler = new Scheduler(app, schedulerOptions({ engine: { hooks: { afterStep: async (step) => void (step === "plan" ? await edit() : undefined) } } }));
    await scheduler.tick().then(() => scheduler.idle());
    await scheduler.stop();
    expect(edited).toBe(true);
    expect((await runsOf(rotator.id)).map((r) => [r.trigger, r.status])).toEqual([["schedule", "succeeded"]]);
    const after = (await getScheduleById({ db: app.db, id: schedule.id }))!;
    expect(after).toMatchObject({ cron: "30 5 * * *", timezone: "UTC", leaseOwner: null, leaseExpiresAt: null, lastOutcome: "succeeded" });
    // Planned from the claimed row, it would be 02:00 UTC (03:00 in Berlin).
    expect([after.nextRunAt!.getUTCHours(), after.nextRunAt!.getUTCMinutes()]).toEqual([5, 30]);
    expect(after.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
    expect(lockedFinishes(schedule.id)).toBe(1);
  });
});

/** What a receiver does: verify with the Standard Webhooks reference library. */
function verifiesWith(secret: string | undefined, raw: string, headers: import("node:http").IncomingHttpHeaders): boolean {
  try {
    new Webhook(secret ?? "").verify(raw, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}
