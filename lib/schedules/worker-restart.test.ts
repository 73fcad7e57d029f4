/**
 * `npm run worker` as an operator runs it, a real process tree (npm → node) on a real PostgreSQL store,
 * rotating a real PostgreSQL user through a TCP gate that holds the rotation in its apply step:
 *
 * - killed mid-run (SIGKILL: a crash) and started again, the worker resumes the interrupted run at once —
 *   the same run, its dead step shown as interrupted — instead of waiting for a ten-minute lease;
 * - one SIGTERM, to npm alone (what `kill <pid>` does) or to the whole process group (Ctrl-C, systemd: the
 *   worker then gets npm's forwarded copy too), stops it gracefully: the running rotation finishes, exit 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { openTestStore, type TestStore } from "@/test/support/stores";
import { startTcpGate, type TcpGate } from "@/test/support/tcp-gate";
import { TEST_ACTOR } from "@/test/support/app-context";
import { loadKeyring } from "../crypto/keyring";
import type { AppContext } from "../app-context";
import { createEnvironment } from "../environments/service";
import { createRotator } from "../rotation/rotator-service";
import { loadState } from "../environments/rotator-state";
import { saveSchedule } from "./service";
import { getRotatorById } from "../db/queries/rotators";
import { listStepsByRun } from "../db/queries/runs";
import { rotationRuns, schedules } from "../db/schema";

const ROOT = path.resolve(__dirname, "../..");
const HOUR = 3_600_000;
const LEASE_SECONDS = 600;
const MANAGER = { username: "wr_manager", password: "manager-password-wr" };

let cluster: PgCluster;
let gate: TcpGate;
let store: TestStore;
let app: AppContext;
const masterKey = randomBytes(32).toString("base64");
let environmentId: string;

interface Worker {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function workerEnv(): Record<string, string | undefined> {
  const clean: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(ROTOR_|AUTH_|DATABASE_URL$|NODE_OPTIONS$|VITEST)/.test(key)) clean[key] = value;
  }
  return {
    ...clean,
    DATABASE_URL: store.databaseUrl!,
    ROTOR_MASTER_KEY: masterKey,
    ROTOR_DATA_DIR: store.dataDir,
    ROTOR_SCHEDULER_POLL_SECONDS: "0.2",
    ROTOR_LEASE_SECONDS: String(LEASE_SECONDS),
    ROTOR_SHUTDOWN_GRACE_SECONDS: "60",
    // The same instance across both starts (as one host's systemd unit), unlike anything else on this machine.
    ROTOR_INSTANCE_ID: `worker-restart-${randomBytes(4).toString("hex")}`,
  };
}

let env: Record<string, string | undefined>;

/** `npm run worker` in its own process group, as a terminal or a service manager starts it. */
function startWorker(): Worker {
  const child = spawn("npm", ["run", "worker"], { cwd: ROOT, env: env as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs: number, log?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${log ? `\n--- worker output ---\n${log()}` : ""}`);
    await wait(100);
  }
}

/** Apply's password change, held on the network (the gate keeps it from the server): the managing session
 *  it runs on was opened earlier in the run (preflight, the in-use check) and is reused, so what hangs is the
 *  statement, not a login. */
const PASSWORD_CHANGE = /ALTER ROLE/i;

let counter = 0;
async function scheduledRotator() {
  counter++;
  const [u1, u2] = [`wr_${counter}_a`, `wr_${counter}_b`];
  await cluster.withSuperuser((c) => c.query(`create role ${u1} login password 'initial-${u1}'; create role ${u2} login password 'initial-${u2}'`));
  const rotator = await createRotator(app, {
    actor: TEST_ACTOR,
    environmentId,
    name: `db${counter}`,
    type: "postgres",
    inputs: { host: "127.0.0.1", port: gate.port, database: "postgres", tls: { mode: "disable" }, managing: MANAGER, username1: u1, username2: u2 },
  });
  await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId: rotator.id }, input: { kind: "cron", cron: "0 * * * *", timezone: "UTC" }, minIntervalMs: HOUR });
  return rotator;
}

const makeDue = (rotatorId: string) => store.db.update(schedules).set({ nextRunAt: sql`now() - interval '1 minute'` }).where(eq(schedules.rotatorId, rotatorId));

/** The rotator's run once it hangs in its apply step (the gate holds the connection). */
async function runHangingInApply(rotatorId: string, worker: Worker) {
  return waitFor(
    "the run to hang in its apply step",
    async () => {
      const [run] = await store.db.select().from(rotationRuns).where(eq(rotationRuns.rotatorId, rotatorId));
      if (!run) return undefined;
      const steps = await listStepsByRun({ db: store.db, runId: run.id });
      return steps.some((s) => s.name === "apply" && s.status === "running") && gate.heldStatements > 0 ? run : undefined;
    },
    60_000,
    worker.output,
  );
}

beforeAll(async () => {
  [cluster, store] = await Promise.all([startPgCluster(), openTestStore("postgres")]);
  gate = await startTcpGate({ host: cluster.host, port: cluster.port });
  const keyring = await loadKeyring(store.db, { masterKey, previousMasterKeys: [], dataDir: store.dataDir });
  app = { db: store.db, keyring };
  env = workerEnv();
  await cluster.withSuperuser((c) => c.query(`create role ${MANAGER.username} login createrole password '${MANAGER.password}'`));
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "worker-restart", description: "" })).id;
}, 120_000);

afterAll(async () => {
  await gate?.stop();
  await store?.destroy();
  await cluster?.stop();
});

describe("npm run worker, interrupted and stopped", () => {
  it("killed mid-run and started again, it resumes the interrupted run at once", async () => {
    const rotator = await scheduledRotator();
    gate.holdStatements(PASSWORD_CHANGE);
    const first = startWorker();
    try {
      await makeDue(rotator.id);
      const run = await runHangingInApply(rotator.id, first);
      process.kill(-first.child.pid!, "SIGKILL");
      await first.exited;
      const left = (await getRotatorById({ db: store.db, id: rotator.id }))!;
      expect(left.leaseOwner).toMatch(new RegExp(`^${env.ROTOR_INSTANCE_ID}/\\d+/`));
      expect(left.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + (LEASE_SECONDS - 60) * 1000);

      gate.open();
      const restartedAt = Date.now();
      const second = startWorker();
      try {
        const finished = await waitFor(
          "the interrupted run to succeed",
          async () => {
            const [row] = await store.db.select().from(rotationRuns).where(eq(rotationRuns.id, run.id));
            return row?.status === "succeeded" ? row : undefined;
          },
          60_000,
          second.output,
        );
        // Resumed by the restart, not by a lease running out ten minutes later.
        expect(Date.now() - restartedAt).toBeLessThan(60_000);
        expect(finished).toMatchObject({ attempt: 2, trigger: "schedule" });
        expect(await store.db.select().from(rotationRuns).where(eq(rotationRuns.rotatorId, rotator.id))).toHaveLength(1);
        const steps = (await listStepsByRun({ db: store.db, runId: run.id })).map((s) => `${s.name}:${s.status}`);
        // The scheduled run began with its preflight; the resumed attempt went on from where it stopped, without one.
        expect(steps).toEqual(["preflight:succeeded", "plan:succeeded", "persist pending:succeeded", "apply:interrupted", "resume:succeeded", "apply:succeeded", "verify:succeeded", "commit:succeeded"]);
        expect(second.output()).toMatch(/handed back 1 schedule\(s\) left by this instance's previous process/);
        const state = loadState(app.keyring, (await getRotatorById({ db: store.db, id: rotator.id }))!);
        expect(await cluster.checkLogin({ username: state.current!.username, password: state.current!.password })).toBe(true);
        // The schedule records the outcome of the run it resumed (just after the run's own commit).
        await waitFor(
          "the schedule to record the outcome",
          async () => {
            const [schedule] = await store.db.select().from(schedules).where(eq(schedules.rotatorId, rotator.id));
            return schedule.lastOutcome === "succeeded" && schedule.leaseOwner === null;
          },
          10_000,
          second.output,
        );
      } finally {
        process.kill(-second.child.pid!, "SIGTERM");
        await second.exited;
      }
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) process.kill(-first.child.pid!, "SIGKILL");
    }
  }, 150_000);

  for (const target of ["npm alone", "the process group"] as const) {
    it(`one SIGTERM to ${target} lets the running rotation finish, then exits 0`, async () => {
      const rotator = await scheduledRotator();
      gate.holdStatements(PASSWORD_CHANGE);
      const worker = startWorker();
      try {
        await waitFor("the worker to be ready", async () => /worker .* ready/.test(worker.output()), 60_000, worker.output);
        await makeDue(rotator.id);
        const run = await runHangingInApply(rotator.id, worker);
        process.kill(target === "npm alone" ? worker.child.pid! : -worker.child.pid!, "SIGTERM");
        await waitFor("the worker to start stopping", async () => /SIGTERM: stopping/.test(worker.output()), 10_000, worker.output);
        // It waits for the rotation (the second copy from npm did not make it exit), ...
        await wait(3_000);
        expect(worker.child.exitCode, worker.output()).toBeNull();
        // ... which then finishes, and the worker exits cleanly with nothing left running.
        gate.open();
        expect(await worker.exited).toBe(0);
        const [finished] = await store.db.select().from(rotationRuns).where(eq(rotationRuns.id, run.id));
        expect(finished.status).toBe("succeeded");
        expect(JSON.parse(/worker stopped (\{.*\})/.exec(worker.output())![1])).toMatchObject({ succeeded: 1, stillRunning: 0 });
        // (Whether the worker saw npm's copy as a second signal depends on timing: the kernel merges a copy
        // that arrives before the first was handled. lib/shutdown-signals.test.ts covers the repeat itself.)
        expect(worker.output()).not.toMatch(/exiting now/);
      } finally {
        gate.open();
        if (worker.child.exitCode === null) process.kill(-worker.child.pid!, "SIGKILL");
      }
    }, 120_000);
  }
});
