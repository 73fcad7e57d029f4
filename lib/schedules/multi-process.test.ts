/**
 * Exactly once across processes: two worker processes — `npm run worker` (node with the tsx loader) and the bundled worker the
 * container image runs (dist/worker.js, copied out of the repository and run with `node` alone) — real OS
 * processes, each with its own store connection and lease owner, share one PostgreSQL store with 200 rotators of real PostgreSQL users plus an
 * environment schedule, all due after a (simulated) downtime of five missed hourly slots. Afterwards:
 *
 * - the run records show every rotator rotated exactly once, by a scheduled run that succeeded;
 * - the target shows it too: of each rotator's two users exactly the one Rotor now calls current got a new
 *   password (a second rotation would have changed the other one), and that password logs in;
 * - both processes did part of the work, and never more than 2 × concurrency rotations ran at once;
 * - every schedule plans its next run in the future, and the audit chain both processes appended to holds.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { openTestStore, type TestStore } from "@/test/support/stores";
import { TEST_ACTOR } from "@/test/support/app-context";
import { loadKeyring } from "../crypto/keyring";
import type { AppContext } from "../app-context";
import { createEnvironment } from "../environments/service";
import { createRotator } from "../rotation/rotator-service";
import { saveSchedule } from "./service";
import { loadState } from "../environments/rotator-state";
import { verifyAuditChain, rowsOf } from "../db/queries/audit";
import { rotators as rotatorsTable, rotationRuns, schedules } from "../db/schema";

const ROTATORS = 200;
const ENVIRONMENTS = 10;
const BATCH_ROTATORS = 6;
const CONCURRENCY = 4;
const HOUR = 3_600_000;
const MANAGER = { username: "rotor_manager", password: "manager-password-2" };
const ROOT = path.resolve(__dirname, "../..");

let cluster: PgCluster;
let bundle: string;
let store: TestStore;
let app: AppContext;
const masterKey = randomBytes(32).toString("base64");

interface Worker {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * The image's worker: `node worker.js` from a directory with no node_modules anywhere above it, beside the
 * migrations (drizzle/ in the working directory, as in the image's /app).
 */
function bundleWorker(): string {
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "build-worker.mjs")], { cwd: ROOT, stdio: "pipe" });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-worker-bundle-"));
  fs.copyFileSync(path.join(ROOT, "dist", "worker.js"), path.join(dir, "worker.js"));
  fs.cpSync(path.join(ROOT, "drizzle"), path.join(dir, "drizzle"), { recursive: true });
  return path.join(dir, "worker.js");
}

function startWorker(env: Record<string, string>, bundle?: string): Worker {
  const clean: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(ROTOR_|AUTH_|DATABASE_URL$|NODE_OPTIONS$|VITEST)/.test(key)) clean[key] = value;
  }
  const child = spawn(process.execPath, bundle ? [bundle] : ["--conditions", "react-server", "--import", "tsx", "scripts/worker.ts"], {
    cwd: bundle ? path.dirname(bundle) : ROOT,
    env: { ...clean, ...env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null> | T, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(100);
  }
}

async function verifiers(names: string[]): Promise<Map<string, string>> {
  return cluster.withSuperuser(async (c) => {
    const { rows } = await c.query<{ rolname: string; rolpassword: string }>("select rolname, rolpassword from pg_authid where rolname = any($1)", [names]);
    return new Map(rows.map((r) => [r.rolname, r.rolpassword]));
  });
}

const users = (i: number) => [`mp_${i}_a`, `mp_${i}_b`] as const;

beforeAll(async () => {
  [cluster, store] = await Promise.all([startPgCluster({ settings: { max_connections: 100 } }), openTestStore("postgres")]);
  bundle = bundleWorker();
  const keyring = await loadKeyring(store.db, { masterKey, previousMasterKeys: [], dataDir: store.dataDir });
  app = { db: store.db, keyring };
  await cluster.withSuperuser(async (c) => {
    const statements = [`create role rotor_manager login createrole password '${MANAGER.password}'`];
    for (let i = 0; i < ROTATORS; i++) for (const u of users(i)) statements.push(`create role ${u} login password 'initial-${u}'`);
    await c.query(statements.join(";\n"));
  });
}, 120_000);

afterAll(async () => {
  if (bundle) fs.rmSync(path.dirname(bundle), { recursive: true, force: true });
  await store?.destroy();
  await cluster?.stop();
});

describe("two scheduler processes on one PostgreSQL", () => {
  it("the worker refuses the embedded store with a clear message", async () => {
    const worker = startWorker({ ROTOR_DATA_DIR: store.dataDir });
    expect(await worker.exited).toBe(2);
    expect(worker.output()).toMatch(/The worker needs the PostgreSQL store: set DATABASE_URL/);
  });

  it("rotate each of 200+ due rotators exactly once, verified in the run records and on the target", async () => {
    const environments = [];
    for (let e = 0; e < ENVIRONMENTS; e++) environments.push(await createEnvironment(app, { actor: TEST_ACTOR, name: `mp-${e}`, description: "" }));
    const rotatorIds: string[] = [];
    for (let i = 0; i < ROTATORS; i++) {
      const [u1, u2] = users(i);
      const rotator = await createRotator(app, {
        actor: TEST_ACTOR,
        environmentId: environments[i % ENVIRONMENTS].id,
        name: `db${i}`,
        type: "postgres",
        inputs: { host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "disable" }, managing: MANAGER, username1: u1, username2: u2 },
      });
      rotatorIds.push(rotator.id);
      await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId: rotator.id }, input: { kind: "cron", cron: "0 * * * *", timezone: "UTC" }, minIntervalMs: HOUR });
    }
    // An environment schedule rotates every rotator of its environment (generated secrets, no target).
    const batch = await createEnvironment(app, { actor: TEST_ACTOR, name: "mp-batch", description: "" });
    const batchIds: string[] = [];
    for (let i = 0; i < BATCH_ROTATORS; i++) {
      batchIds.push((await createRotator(app, { actor: TEST_ACTOR, environmentId: batch.id, name: `secret${i}`, type: "password", inputs: {} })).id);
    }
    await saveSchedule(app, { actor: TEST_ACTOR, target: { environmentId: batch.id }, input: { kind: "interval", every: "1", unit: "days", at: "03:00", timezone: "Europe/Berlin" }, minIntervalMs: HOUR });
    const before = await verifiers(Array.from({ length: ROTATORS }, (_, i) => users(i)).flat());

    const env = {
      DATABASE_URL: store.databaseUrl!,
      ROTOR_MASTER_KEY: masterKey,
      ROTOR_DATA_DIR: store.dataDir,
      ROTOR_SCHEDULER_CONCURRENCY: String(CONCURRENCY),
      ROTOR_SCHEDULER_POLL_SECONDS: "0.2",
      ROTOR_LOG_LEVEL: "info",
    };
    const workers = [startWorker(env), startWorker(env, bundle)];
    try {
      await waitFor("both workers to be ready", () => workers.every((w) => /worker .* ready/.test(w.output())), 60_000);
      // Statistics as autovacuum leaves them in a real deployment, taken while every schedule was still in
      // the future; a claim whose LIMIT depends on the plan takes every due row once the table is analyzed.
      await store.db.execute(sql`analyze schedules`);
      // Rotor was "down" for five hourly slots: everything is due at once, on both processes.
      await store.db.execute(sql`update schedules set next_run_at = now() - interval '5 hours', next_slot_at = now() - interval '5 hours'`);
      const started = Date.now();
      await waitFor(
        "every schedule to have run",
        async () => {
          const [row] = rowsOf<{ pending: number }>(
            await store.db.execute(sql`select count(*)::int as pending from schedules where last_run_at is null or lease_owner is not null`),
          );
          return Number(row.pending) === 0;
        },
        90_000,
      );
      console.log(`[multi-process] ${ROTATORS + BATCH_ROTATORS} rotations in ${Date.now() - started} ms`);
    } finally {
      for (const w of workers) w.child.kill("SIGTERM");
    }
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);

    // Run records: one succeeded scheduled run per rotator.
    const runs = await store.db.select().from(rotationRuns);
    expect(runs).toHaveLength(ROTATORS + BATCH_ROTATORS);
    const perRotator = new Map<string, number>();
    for (const run of runs) perRotator.set(run.rotatorId!, (perRotator.get(run.rotatorId!) ?? 0) + 1);
    expect([...perRotator.keys()].sort()).toEqual([...rotatorIds, ...batchIds].sort());
    expect([...perRotator.values()].every((n) => n === 1)).toBe(true);
    expect(runs.every((r) => r.status === "succeeded" && r.trigger === "schedule")).toBe(true);
    expect(new Set(runs.filter((r) => batchIds.includes(r.rotatorId!)).map((r) => r.batchId)).size).toBe(1);

    // Both processes worked, within their bounds.
    const stats = workers.map((w) => JSON.parse(/worker stopped (\{.*\})/.exec(w.output())![1]) as { succeeded: number; failed: number; stillRunning: number });
    expect(stats.map((s) => s.succeeded).reduce((a, b) => a + b)).toBe(ROTATORS + BATCH_ROTATORS);
    for (const s of stats) expect(s).toMatchObject({ failed: 0, stillRunning: 0, succeeded: expect.any(Number) });
    expect(Math.min(...stats.map((s) => s.succeeded))).toBeGreaterThan(0);
    const edges = runs.flatMap((r) => [[r.startedAt.getTime(), 1], [r.finishedAt!.getTime(), -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let running = 0;
    let peak = 0;
    for (const [, delta] of edges) peak = Math.max(peak, (running += delta));
    expect(peak).toBeLessThanOrEqual(2 * CONCURRENCY);
    expect(peak).toBeGreaterThan(1);

    // The target: exactly one password change per rotator, on the user Rotor records as current, which works.
    const after = await verifiers([...before.keys()]);
    const rows = await store.db.select().from(rotatorsTable);
    for (let i = 0; i < ROTATORS; i++) {
      const [u1, u2] = users(i);
      expect(after.get(u1), `${u1} got a new password`).not.toBe(before.get(u1));
      expect(after.get(u2), `${u2} kept its password (no second rotation)`).toBe(before.get(u2));
    }
    const postgresRows = rows.filter((r) => r.type === "postgres");
    let loggedIn = 0;
    for (let i = 0; i < postgresRows.length; i += 20) {
      const results = await Promise.all(
        postgresRows.slice(i, i + 20).map(async (row) => {
          const state = loadState(app.keyring, row);
          expect(state.previous).toBeNull();
          expect(state.current!.username).toBe(users(Number(row.name.slice(2)))[0]);
          return cluster.checkLogin({ username: state.current!.username, password: state.current!.password });
        }),
      );
      loggedIn += results.filter(Boolean).length;
    }
    expect(loggedIn).toBe(ROTATORS);

    // Missed slots ran once; every schedule's next run is planned in the future, at least an hour after.
    const planned = await store.db.select().from(schedules);
    for (const s of planned) {
      expect(s.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
      expect(s.nextSlotAt!.getTime() - s.lastRunAt!.getTime()).toBeGreaterThanOrEqual(HOUR);
      expect(s).toMatchObject({ lastOutcome: "succeeded", retryCount: 0, leaseOwner: null });
    }
    expect(await verifyAuditChain({ db: store.db })).toMatchObject({ ok: true });
  }, 180_000);
});
