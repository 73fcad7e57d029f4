/**
 * The lockout guard against real servers: a session held open as the user a rotation would retire (today's
 * previous) is found before anything changes — `warn` rotates and records it, `hold` defers a scheduled
 * rotation (nothing changes at the target) — and once the session is closed the rotation proceeds. The same on
 * MariaDB (processlist) and Redis (CLIENT LIST). A managing user that cannot see other users' sessions gets
 * "cannot tell", which never holds.
 *
 * PostgreSQL: the shared server at 127.0.0.1:5432 (trust authentication, so a test can hold a session as any
 * role without knowing its password); MariaDB and Redis: the shared test servers.
 */
import pg from "pg";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { connectMysqlAdmin, type MysqlAdmin } from "@/test/support/mysql-admin";
import { createEnvironment } from "../environments/service";
import { createRotator, testRotatorConnection, updateRotator } from "./rotator-service";
import { rotateNow } from "./engine";
import { getRotatorById } from "../db/queries/rotators";
import { getRunById, listStepsByRun } from "../db/queries/runs";
import { listAuditEvents } from "../db/queries/audit";
import { loadState } from "../environments/rotator-state";
import { CHECK_STEP } from "./lockout-guard";
import { retiringHolders, type LockoutPolicy, type RetiringCheck } from "./lockout-finding";
import { rotateAnyway } from "./rotate-anyway";
import { saveSchedule } from "../schedules/service";
import { getScheduleById, updateScheduleById } from "../db/queries/schedules";
import { Scheduler } from "../schedules/scheduler";
import { createWebhook } from "../webhooks/service";
import { collectNotifications } from "../webhooks/notifier";
import { webhookDeliveries } from "../db/schema";
import type { NotificationEvent } from "../webhooks/events";
import { eq } from "drizzle-orm";
import { createClient } from "@redis/client";
import { recordOpen } from "../environments/consumers";
import { getEnvironmentById } from "../db/queries/environments";
import { createLocalUser } from "../users/service";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { GetAccessKeyLastUsedCommand, IAMClient } from "@aws-sdk/client-iam";
import { startFakeAws, type FakeAws } from "@/test/support/fake-aws";
import { REQUIRED_IAM_ACTIONS } from "../rotators/aws-iam/aws-errors";
import { connectRedisAdmin, MANAGING_COMMANDS, type RedisAdmin } from "@/test/support/redis-admin";

const PG = { host: "127.0.0.1", port: 5432 };
let app: TestApp;
let environmentId: string;
let su: pg.Client;
let mysqlAdmin: MysqlAdmin;
let redisAdmin: RedisAdmin;
const roles: string[] = [];
let counter = 0;
const tag = Math.random().toString(36).slice(2, 8);

async function pgSession(user: string): Promise<pg.Client> {
  const client = new pg.Client({ ...PG, user, database: "postgres", password: "unused-trust" });
  await client.connect();
  return client;
}

async function pgRole(name: string, options = "login") {
  await su.query(`create role ${pg.escapeIdentifier(name)} ${options}`);
  roles.push(name);
}

/** A postgres rotator whose previous is `u1` (one rotation done), managed by a CREATEROLE user. */
async function pgRotatorWithPrevious(options: { policy?: LockoutPolicy; readAllStats?: boolean } = {}) {
  counter++;
  const [u1, u2, manager] = [`guard_${tag}_${counter}_a`, `guard_${tag}_${counter}_b`, `guard_${tag}_${counter}_m`];
  await pgRole(u1);
  await pgRole(u2);
  await pgRole(manager, "login createrole");
  if (options.readAllStats) await su.query(`grant pg_read_all_stats to ${pg.escapeIdentifier(manager)}`);
  const rotator = await createRotator(app, {
    actor: TEST_ACTOR,
    environmentId,
    name: `pg${counter}`,
    type: "postgres",
    inputs: { ...PG, database: "postgres", tls: { mode: "disable" }, managing: { username: manager, password: "trusted" }, username1: u1, username2: u2 },
    importState: { current: { username: u1, password: "trusted-1" } },
    lockoutPolicy: options.policy,
  });
  expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
  return { rotator, u1, u2, manager };
}

async function stateOf(rotatorId: string) {
  return loadState(app.keyring, (await getRotatorById({ db: app.db, id: rotatorId }))!);
}

async function checkStep(runId: string) {
  return (await listStepsByRun({ db: app.db, runId })).find((s) => s.name === CHECK_STEP);
}

beforeAll(async () => {
  app = await openTestApp("pglite");
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "guarded", description: "" })).id;
  su = new pg.Client({ ...PG, user: "postgres", database: "postgres" });
  await su.connect();
  mysqlAdmin = await connectMysqlAdmin();
  redisAdmin = await connectRedisAdmin();
});

afterAll(async () => {
  for (const role of roles.reverse()) await su.query(`drop role if exists ${pg.escapeIdentifier(role)}`).catch(() => undefined);
  await su?.end();
  await mysqlAdmin?.dropAll();
  await redisAdmin?.dropAll();
  await app?.destroy();
});

describe("lockout guard: PostgreSQL", () => {
  it("warn: a session open as the retiring user is recorded, and the rotation goes on", async () => {
    const { rotator, u1 } = await pgRotatorWithPrevious({ readAllStats: true });
    expect((await stateOf(rotator.id)).previous?.username).toBe(u1);
    const session = await pgSession(u1);
    try {
      const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      expect(outcome.status).toBe("succeeded");
      const run = (await getRunById({ db: app.db, id: outcome.runId }))!;
      expect(run.retiringCheck).toMatchObject({ policy: "warn", credential: u1, inUse: true, outcome: "proceeded", target: { verdict: "in-use" } });
      expect(run.retiringCheck!.target.holders).toEqual([`1 session as ${u1} from 127.0.0.1`]);
      const step = await checkStep(outcome.runId);
      expect(step?.status).toBe("succeeded");
      expect(step?.message).toMatch(/^Warning: .* still in use; rotating \(policy warn\)\. 1 session of .* is open from 127\.0\.0\.1/);
      // The steps run in order: the check comes before anything is planned or changed.
      const names = (await listStepsByRun({ db: app.db, runId: outcome.runId })).map((s) => s.name);
      expect(names.indexOf(CHECK_STEP)).toBeLessThan(names.indexOf("plan"));
      expect((await stateOf(rotator.id)).current?.username).toBe(u1);
    } finally {
      await session.end();
    }
  });

  it("hold: a session open as the retiring user defers the rotation; closed, it proceeds", async () => {
    const { rotator, u1 } = await pgRotatorWithPrevious({ policy: "hold", readAllStats: true });
    const before = await stateOf(rotator.id);
    const session = await pgSession(u1);
    let closed = false;
    try {
      const held = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      expect(held.status).toBe("held");
      const run = (await getRunById({ db: app.db, id: held.runId }))!;
      expect(run.status).toBe("held");
      expect(run.pendingCiphertext).toBeNull();
      expect(run.errorMessage).toMatch(/^Held: .* still in use/);
      expect(run.retiringCheck).toMatchObject({ outcome: "held", inUse: true });
      // Nothing changed: same state; a scheduled run's preflight, then the check, no plan or apply.
      expect(await stateOf(rotator.id)).toEqual(before);
      expect((await listStepsByRun({ db: app.db, runId: held.runId })).map((s) => s.name)).toEqual(["preflight", CHECK_STEP]);
      const row = (await getRotatorById({ db: app.db, id: rotator.id }))!;
      expect(row.failingSince).toBeNull();
      expect(row.lastRunId).toBe(held.runId);
      const audit = await listAuditEvents({ db: app.db, filter: { action: "rotation.held" }, limit: 50 });
      expect(audit.events.find((e) => e.targetId === rotator.id)?.details).toMatchObject({ runId: held.runId, stillUsedBy: [`1 session as ${u1} from 127.0.0.1`] });

      await session.end();
      closed = true;
      // A backend leaves pg_stat_activity a moment after its client closed.
      await waitFor("the session to end", async () => (await su.query("select 1 from pg_stat_activity where usename = $1", [u1])).rowCount === 0, 5_000);
      const next = await rotateNow(app, { rotatorId: rotator.id, trigger: "retry", actor: TEST_ACTOR });
      expect(next.status).toBe("succeeded");
      expect((await getRunById({ db: app.db, id: next.runId }))!.retiringCheck).toMatchObject({ inUse: false, outcome: "proceeded", target: { verdict: "unused" } });
      expect((await stateOf(rotator.id)).current?.username).toBe(u1);
    } finally {
      if (!closed) await session.end();
    }
  });

  it("without pg_read_all_stats: sessions are counted but not placed, and Test connection says what to grant", async () => {
    const { rotator, u1, manager } = await pgRotatorWithPrevious({ policy: "hold" });
    const tested = await testRotatorConnection(app, { type: "postgres", inputs: rotator.inputs, rotatorId: rotator.id });
    expect(tested.details).toContain(`The managing user "${manager}" can count other users' sessions but not see where they come from; to name them in lockout findings: GRANT pg_read_all_stats TO "${manager}"`);
    const session = await pgSession(u1);
    try {
      const held = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      expect(held.status).toBe("held");
      const check = (await getRunById({ db: app.db, id: held.runId }))!.retiringCheck!;
      expect(check.target.summary).toContain(`(from where is hidden: GRANT pg_read_all_stats TO "${manager}")`);
      expect(check.target.holders).toEqual([`1 session as ${u1}`]);
    } finally {
      await session.end();
    }
  });

  it("off: nothing is checked and the rotation goes on", async () => {
    const { rotator, u1 } = await pgRotatorWithPrevious({ policy: "off", readAllStats: true });
    const session = await pgSession(u1);
    try {
      const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      expect(outcome.status).toBe("succeeded");
      expect((await checkStep(outcome.runId))?.status).toBe("skipped");
      expect((await getRunById({ db: app.db, id: outcome.runId }))!.retiringCheck).toBeNull();
    } finally {
      await session.end();
    }
  });

  it("the policy is changed with the rotator and kept when the edit does not name it", async () => {
    const { rotator } = await pgRotatorWithPrevious();
    expect(rotator.lockoutPolicy).toBe("warn");
    const held = await updateRotator(app, { actor: TEST_ACTOR, rotatorId: rotator.id, name: rotator.name, inputs: rotator.inputs, lockoutPolicy: "hold" });
    expect(held.lockoutPolicy).toBe("hold");
    const renamed = await updateRotator(app, { actor: TEST_ACTOR, rotatorId: rotator.id, name: `${rotator.name}_x`, inputs: rotator.inputs });
    expect(renamed.lockoutPolicy).toBe("hold");
  });
});

const NOTIFIER = { owner: "guard-test", publicUrl: "https://rotor.example.com", overdueGraceMs: 3_600_000, maxAttempts: 3, timeoutMs: 2_000, describeSchedule: () => "test schedule" };

/** The payloads enqueued for a webhook (the outbox), oldest first. */
async function payloadsFor(webhookId: string): Promise<NotificationEvent[]> {
  await collectNotifications(app, NOTIFIER);
  const rows = await app.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
  return rows.map((r) => r.payload as NotificationEvent).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("lockout guard: hold, webhooks, Rotate anyway", () => {
  it("a scheduled rotation is held, notified as rotation.held with the finding, retried on the backoff, and rotates once the session is gone", async () => {
    const { rotator, u1 } = await pgRotatorWithPrevious({ policy: "hold", readAllStats: true });
    const hook = await createWebhook(app, { actor: TEST_ACTOR, input: { name: `held-${rotator.name}`, url: "https://hooks.example.com/rotor", environmentId, events: ["rotation.held", "rotation.succeeded"], format: "json" } });
    const schedule = await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId: rotator.id }, input: { kind: "cron", cron: "0 3 * * *", timezone: "UTC" }, minIntervalMs: 0 });
    await updateScheduleById({ db: app.db, id: schedule.id, patch: { nextRunAt: new Date(Date.now() - 1000) } });
    const session = await pgSession(u1);
    const scheduler = new Scheduler(app, {
      concurrency: 1,
      pollMs: 100,
      minIntervalMs: 0,
      retry: { maxRetries: 5, baseDelayMs: 400, maxDelayMs: 400 },
      overdueGraceMs: 3_600_000,
      shutdownGraceMs: 5_000,
      notifications: null,
      random: () => 0.5,
    });
    let closed = false;
    try {
      scheduler.start();
      await waitFor("a held run", async () => (await getRotatorById({ db: app.db, id: rotator.id }))!.lastRunId !== null && (await getRunById({ db: app.db, id: (await getRotatorById({ db: app.db, id: rotator.id }))!.lastRunId! }))?.status === "held");
      await waitFor("the schedule to plan its retry", async () => Boolean((await getScheduleById({ db: app.db, id: schedule.id }))?.nextRetryAt));
      const planned = (await getScheduleById({ db: app.db, id: schedule.id }))!;
      expect(planned.lastOutcome).toBe("held");
      expect(planned.retryCount).toBeGreaterThanOrEqual(1);
      const helds = (await payloadsFor(hook.webhook.id)).filter((e) => e.type === "rotation.held" && e.rotator?.id === rotator.id);
      expect(helds.length).toBeGreaterThanOrEqual(1);
      const held = helds[0];
      expect(held.summary).toContain(`still used by 1 session as ${u1} from 127.0.0.1`);
      expect(held.retiringCheck).toMatchObject({ outcome: "held", credential: u1, target: { verdict: "in-use" } });
      expect(held.run?.status).toBe("held");

      await session.end();
      closed = true;
      await waitFor("the retried rotation", async () => (await stateOf(rotator.id)).current?.username === u1);
      const row = (await getRotatorById({ db: app.db, id: rotator.id }))!;
      const last = (await getRunById({ db: app.db, id: row.lastRunId! }))!;
      expect(last).toMatchObject({ status: "succeeded", trigger: "retry" });
    } finally {
      await scheduler.stop();
      if (!closed) await session.end();
    }
  });

  it("warn: the rotation.succeeded payload carries the finding", async () => {
    const { rotator, u1 } = await pgRotatorWithPrevious({ readAllStats: true });
    const hook = await createWebhook(app, { actor: TEST_ACTOR, input: { name: `warn-${rotator.name}`, url: "https://hooks.example.com/rotor", environmentId, events: ["rotation.succeeded"], format: "json" } });
    await payloadsFor(hook.webhook.id); // earlier runs are claimed before this one
    const session = await pgSession(u1);
    try {
      const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      const events = (await payloadsFor(hook.webhook.id)).filter((e) => e.run?.id === outcome.runId);
      expect(events).toHaveLength(1);
      expect(events[0].type).toBe("rotation.succeeded");
      expect(events[0].summary).toContain("The retired credential was still in use.");
      expect(events[0].retiringCheck).toMatchObject({ policy: "warn", inUse: true, outcome: "proceeded" } satisfies Partial<RetiringCheck>);
    } finally {
      await session.end();
    }
  });

  it("Rotate anyway rotates a held rotator, records the override and audits who still used it", async () => {
    const { rotator, u1 } = await pgRotatorWithPrevious({ policy: "hold", readAllStats: true });
    const session = await pgSession(u1);
    try {
      const held = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
      expect(held.status).toBe("held");
      const operator = { id: null, label: "operator@example.com", ip: "127.0.0.1" };
      const started = await rotateAnyway(app, { actor: operator, rotatorId: rotator.id, heldRunId: held.runId });
      expect((await started.completion).status).toBe("succeeded");
      expect((await stateOf(rotator.id)).current?.username).toBe(u1);
      const run = (await getRunById({ db: app.db, id: started.runId }))!;
      expect(run.retiringCheck).toMatchObject({ inUse: true, outcome: "overridden", overriddenBy: "operator@example.com" });
      expect((await checkStep(started.runId))?.message).toMatch(/^Rotating anyway \(chosen by operator@example\.com\)/);
      const audit = (await listAuditEvents({ db: app.db, filter: { action: "rotation.rotate_anyway" }, limit: 50 })).events.find((e) => e.targetId === rotator.id);
      expect(audit).toMatchObject({ actorLabel: "operator@example.com", details: { heldRunId: held.runId, runId: started.runId, stillUsedBy: [`1 session as ${u1} from 127.0.0.1`] } });
      // The held run is no longer the latest: a second override of it is refused and changes nothing.
      await expect(rotateAnyway(app, { actor: operator, rotatorId: rotator.id, heldRunId: held.runId })).rejects.toThrow(/no longer held by that run/);
    } finally {
      await session.end();
    }
  });
});

describe("lockout guard: MariaDB", () => {
  async function mysqlRotatorWithPrevious(options: { policy: LockoutPolicy; process: boolean }) {
    counter++;
    const password = `mgr-${mysqlAdmin.uniqueName("pw")}`;
    const initial = `init-${mysqlAdmin.uniqueName("pw")}`;
    const grants = ["CREATE USER ON *.*", "SELECT ON mysql.user", ...(options.process ? ["PROCESS ON *.*"] : [])];
    const manager = await mysqlAdmin.createUser({ password, grants });
    const u1 = await mysqlAdmin.createUser({ password: initial });
    const u2 = await mysqlAdmin.createUser({ password: `other-${initial}` });
    const rotator = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: `my${counter}`,
      type: "mysql",
      inputs: { host: mysqlAdmin.host, port: mysqlAdmin.port, tls: { mode: "disable" }, managing: { username: manager.username, password }, username1: u1.username, username2: u2.username },
      importState: { current: { username: u1.username, password: initial } },
      lockoutPolicy: options.policy,
    });
    expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
    return { rotator, u1: { username: u1.username, password: initial }, manager };
  }

  const connectAs = (login: { username: string; password: string }) =>
    mysql.createConnection({ host: mysqlAdmin.host, port: mysqlAdmin.port, user: login.username, password: login.password });

  it("hold: a connection of the retiring account in the processlist defers the rotation; closed, it proceeds", async () => {
    const { rotator, u1 } = await mysqlRotatorWithPrevious({ policy: "hold", process: true });
    const before = await stateOf(rotator.id);
    const conn = await connectAs(u1);
    let closed = false;
    try {
      const held = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      expect(held.status).toBe("held");
      expect((await getRunById({ db: app.db, id: held.runId }))!.retiringCheck!.target.holders).toEqual([`1 session as ${u1.username} from 127.0.0.1`]);
      expect(await stateOf(rotator.id)).toEqual(before);
      await conn.end();
      closed = true;
      // The processlist may show a closed connection for a moment.
      let next = await rotateNow(app, { rotatorId: rotator.id, trigger: "retry", actor: TEST_ACTOR });
      for (let i = 0; next.status === "held" && i < 5; i++) {
        await new Promise((r) => setTimeout(r, 200));
        next = await rotateNow(app, { rotatorId: rotator.id, trigger: "retry", actor: TEST_ACTOR });
      }
      expect(next.status).toBe("succeeded");
      expect((await stateOf(rotator.id)).current?.username).toBe(u1.username);
    } finally {
      if (!closed) await conn.end();
    }
  });

  it("warn: the connection is recorded and the rotation goes on", async () => {
    const { rotator, u1 } = await mysqlRotatorWithPrevious({ policy: "warn", process: true });
    const conn = await connectAs(u1);
    try {
      const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      expect(outcome.status).toBe("succeeded");
      expect((await getRunById({ db: app.db, id: outcome.runId }))!.retiringCheck).toMatchObject({ inUse: true, outcome: "proceeded", target: { verdict: "in-use" } });
    } finally {
      await conn.end();
    }
  });

  it("without PROCESS: cannot tell, which never holds; Test connection says to grant PROCESS", async () => {
    const { rotator, u1, manager } = await mysqlRotatorWithPrevious({ policy: "hold", process: false });
    const tested = await testRotatorConnection(app, { type: "mysql", inputs: rotator.inputs, rotatorId: rotator.id });
    expect(tested.details.join("\n")).toContain(`cannot see other users' sessions, so Rotor cannot tell whether a retiring user is still connected. Grant it: GRANT PROCESS ON *.* TO '${manager.username}'@'%'`);
    const conn = await connectAs(u1);
    try {
      const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      expect(outcome.status).toBe("succeeded");
      const check = (await getRunById({ db: app.db, id: outcome.runId }))!.retiringCheck!;
      expect(check).toMatchObject({ inUse: false, outcome: "proceeded", target: { verdict: "unknown" } });
      expect(check.target.summary).toContain("GRANT PROCESS ON *.*");
    } finally {
      await conn.end();
    }
  });
});

describe("lockout guard: Redis", () => {
  async function redisRotatorWithPrevious(options: { policy: LockoutPolicy; managingRules?: string[] }) {
    counter++;
    const managing = await redisAdmin.createManagingUser(options.managingRules ? { rules: options.managingRules } : {});
    const [u1, u2] = [await redisAdmin.createUser({}), await redisAdmin.createUser({})];
    const rotator = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: `redis${counter}`,
      type: "redis",
      inputs: { host: redisAdmin.address.host, port: redisAdmin.address.port, tls: { mode: "disable" }, managing, mode: "two-user", username1: u1.username, username2: u2.username },
      importState: { current: { username: u1.username, password: u1.password } },
      lockoutPolicy: options.policy,
    });
    expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
    return { rotator, u1 };
  }

  async function redisConnection(login: { username: string; password: string }) {
    const client = createClient({ socket: { host: redisAdmin.address.host, port: redisAdmin.address.port, reconnectStrategy: false }, username: login.username, password: login.password, disableClientInfo: true });
    client.on("error", () => undefined);
    await client.connect();
    return client;
  }

  it("hold: a connection signed in as the retiring user defers the rotation; closed, it proceeds", async () => {
    const { rotator, u1 } = await redisRotatorWithPrevious({ policy: "hold" });
    const before = await stateOf(rotator.id);
    const client = await redisConnection(u1);
    let closed = false;
    try {
      const held = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      expect(held.status).toBe("held");
      expect((await getRunById({ db: app.db, id: held.runId }))!.retiringCheck!.target.holders).toEqual([`1 connection as ${u1.username} from 127.0.0.1`]);
      expect(await stateOf(rotator.id)).toEqual(before);
      // The retiring password still signs in: nothing was removed.
      expect(await redisAdmin.checkLogin(u1)).toBe(true);
      client.destroy();
      closed = true;
      await waitFor("the server to drop the connection", async () => (await rotateNow(app, { rotatorId: rotator.id, trigger: "retry", actor: TEST_ACTOR })).status === "succeeded", 5_000);
      expect((await stateOf(rotator.id)).current?.username).toBe(u1.username);
    } finally {
      if (!closed) client.destroy();
    }
  });

  it("warn records the connection; without +client|list it cannot tell, and does not hold", async () => {
    const { rotator, u1 } = await redisRotatorWithPrevious({ policy: "warn" });
    const client = await redisConnection(u1);
    try {
      const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      expect(outcome.status).toBe("succeeded");
      expect((await getRunById({ db: app.db, id: outcome.runId }))!.retiringCheck).toMatchObject({ inUse: true, outcome: "proceeded", target: { verdict: "in-use" } });
    } finally {
      client.destroy();
    }
    const blind = await redisRotatorWithPrevious({ policy: "hold", managingRules: MANAGING_COMMANDS.filter((c) => c !== "+client|list") });
    const other = await redisConnection(blind.u1);
    try {
      const outcome = await rotateNow(app, { rotatorId: blind.rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      expect(outcome.status).toBe("succeeded");
      const check = (await getRunById({ db: app.db, id: outcome.runId }))!.retiringCheck!;
      expect(check.target.verdict).toBe("unknown");
      expect(check.target.summary).toContain("+client|list");
    } finally {
      other.destroy();
    }
  });
});

describe("lockout guard: consumers known to Rotor", () => {
  it("a consumer that has not fetched the revision of the current credential is flagged (and holds); once it has, the rotation proceeds", async () => {
    const user = await createLocalUser({ db: app.db, actor: TEST_ACTOR, email: `reader-${tag}@example.com`, name: "Reader", role: "viewer", password: "reader-password-123" });
    const reader = { id: user.id, label: user.email };
    // Its own environment: a consumer behind holds every rotator of the environment it reads.
    const ownEnvironment = (await createEnvironment(app, { actor: TEST_ACTOR, name: `read-${tag}`, description: "" })).id;
    const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId: ownEnvironment, name: `secret${++counter}`, type: "password", inputs: {}, lockoutPolicy: "hold" });
    const open = async () => {
      const environment = (await getEnvironmentById({ db: app.db, id: ownEnvironment }))!;
      await recordOpen(app, { environment, actor: reader, revision: environment.currentRevision, notModified: false, format: "json" });
      return environment.currentRevision;
    };
    expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
    const seen = await open();
    expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
    const introduced = (await getRotatorById({ db: app.db, id: rotator.id }))!.stateRevision;

    // The reader still holds what is now previous: a rotation would retire the password it uses.
    const held = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
    expect(held.status).toBe("held");
    const check = (await getRunById({ db: app.db, id: held.runId }))!.retiringCheck!;
    expect(check).toMatchObject({ inUse: true, revision: introduced, consumers: [{ label: user.email, kind: "user", revision: seen }], target: { verdict: "not-applicable" } });
    expect((await checkStep(held.runId))?.message).toContain(`1 consumer has not fetched revision ${introduced}: ${user.email} (revision ${seen}).`);
    // Who Rotate anyway's confirmation and the rotation.held webhook name: the consumer by its label.
    expect(retiringHolders(check)).toEqual([`${user.email} (revision ${seen})`]);

    await open();
    const next = await rotateNow(app, { rotatorId: rotator.id, trigger: "retry", actor: TEST_ACTOR });
    expect(next.status).toBe("succeeded");
    expect((await getRunById({ db: app.db, id: next.runId }))!.retiringCheck).toMatchObject({ inUse: false, consumers: [], outcome: "proceeded" });
  });
});

describe("lockout guard: aws-iam (GetAccessKeyLastUsed)", () => {
  let fake: FakeAws;
  let restoreEndpoint: () => void;
  beforeAll(async () => {
    fake = await startFakeAws();
    restoreEndpoint = fake.useAsDefaultEndpoint();
  });
  afterAll(async () => {
    restoreEndpoint?.();
    await fake?.stop();
  });

  const callerIdentity = async (key: { accessKeyId: string; secretAccessKey: string }) => {
    const sts = new STSClient({ region: "eu-west-1", credentials: key, maxAttempts: 1 });
    try {
      return await sts.send(new GetCallerIdentityCommand({}));
    } finally {
      sts.destroy();
    }
  };

  it("the IAM endpoint answers GetAccessKeyLastUsed as AWS documents it: N/A until a signed request reaches it", async () => {
    fake.admin.createUser("reader");
    const key = fake.admin.seedAccessKey("reader");
    const iam = new IAMClient({ region: "us-east-1", credentials: fake.adminCredentials, maxAttempts: 1 });
    try {
      const never = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
      expect(never.UserName).toBe("reader");
      expect(never.AccessKeyLastUsed).toEqual({ ServiceName: "N/A", Region: "N/A" });
      const before = Math.floor(Date.now() / 1000) * 1000;
      await callerIdentity(key);
      const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
      expect(used.AccessKeyLastUsed).toMatchObject({ ServiceName: "sts", Region: "eu-west-1" });
      expect(used.AccessKeyLastUsed!.LastUsedDate!.getTime()).toBeGreaterThanOrEqual(before);
    } finally {
      iam.destroy();
    }
  });

  it("a previous key used after it stopped being current is flagged (and holds); one not used since does not", async () => {
    fake.admin.createUser("guarded-app");
    const rotator = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: `iam${++counter}`,
      type: "aws-iam",
      inputs: { region: "us-east-1", userName: "guarded-app", login: { kind: "static", ...fake.adminCredentials } },
      lockoutPolicy: "hold",
    });
    for (let i = 0; i < 2; i++) expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");

    // Nobody signed with the previous key since it was replaced: the rotation goes on.
    const quiet = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
    expect(quiet.status).toBe("succeeded");
    expect((await getRunById({ db: app.db, id: quiet.runId }))!.retiringCheck).toMatchObject({ inUse: false, target: { verdict: "unused" } });

    // An application still signs with what is now the previous key (IAM records whole seconds: wait past one).
    const previous = (await stateOf(rotator.id)).previous!;
    await new Promise((r) => setTimeout(r, 1_100));
    await callerIdentity({ accessKeyId: previous.accessKeyId!, secretAccessKey: previous.secretAccessKey! });
    const before = await stateOf(rotator.id);
    const held = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
    expect(held.status).toBe("held");
    const check = (await getRunById({ db: app.db, id: held.runId }))!.retiringCheck!;
    expect(check).toMatchObject({ inUse: true, credential: previous.accessKeyId, target: { verdict: "in-use" } });
    expect(check.target.holders[0]).toMatch(new RegExp(`^access key ${previous.accessKeyId} \\(last used \\d{4}-.*Z \\(sts in eu-west-1\\)\\)$`));
    // Held before anything changed: the key Rotor would have deleted still exists and works.
    expect(await stateOf(rotator.id)).toEqual(before);
    expect(fake.admin.getAccessKey(previous.accessKeyId!)?.status).toBe("Active");
  });

  it("a managing login without iam:GetAccessKeyLastUsed cannot tell, which never holds", async () => {
    fake.admin.createUser("blind-manager", { policy: [...REQUIRED_IAM_ACTIONS] });
    const managerKey = fake.admin.seedAccessKey("blind-manager");
    fake.admin.createUser("blind-app");
    const rotator = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: `iam${++counter}`,
      type: "aws-iam",
      inputs: { region: "us-east-1", userName: "blind-app", login: { kind: "static", accessKeyId: managerKey.accessKeyId, secretAccessKey: managerKey.secretAccessKey } },
      lockoutPolicy: "hold",
    });
    for (let i = 0; i < 2; i++) expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
    const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
    expect(outcome.status).toBe("succeeded");
    const check = (await getRunById({ db: app.db, id: outcome.runId }))!.retiringCheck!;
    expect(check.target.verdict).toBe("unknown");
    expect(check.target.summary).toContain("may not call iam:GetAccessKeyLastUsed on blind-app");
  });
});
