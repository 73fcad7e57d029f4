/**
 * What a rotation leaves in logs, its target's and Rotor's own:
 * - a fresh rotation logs no failed login at the target (only a resumed run checks whether its recorded
 *   password already works there), and a resumed run still converges without setting the password twice;
 * - a failed rotation's real cause (the driver's "connect ECONNREFUSED …", a timeout) reaches Rotor's log,
 *   redacted: no password in it.
 */
import { createServer, type Server } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { createEnvironment } from "../environments/service";
import { createRotator } from "./rotator-service";
import { rotateNow, startRotation, SimulatedCrash, type StepName } from "./engine";
import { getRotatorById } from "../db/queries/rotators";
import { loadState } from "../environments/rotator-state";

let cluster: PgCluster;
let app: TestApp;
let environmentId: string;
const MANAGING = { username: "rotor_manager", password: "Canary-managing-pw-7431" };
const LEASE_MS = 1_500;

beforeAll(async () => {
  [cluster, app] = await Promise.all([startPgCluster(), openTestApp("pglite")]);
  await cluster.withSuperuser((c) => c.query(`create role rotor_manager login createrole password ${c.escapeLiteral(MANAGING.password)}`));
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "logs", description: "" })).id;
}, 120_000);

afterAll(async () => {
  await app?.destroy();
  await cluster?.stop();
});

let counter = 0;
async function newRotator(target: { port?: number; timeoutMs?: number } = {}) {
  counter += 1;
  const [u1, u2] = [`logs_a${counter}`, `logs_b${counter}`];
  await cluster.withSuperuser(async (c) => {
    for (const name of [u1, u2]) await c.query(`create role ${name} login password ${c.escapeLiteral(`initial-${name}`)}`);
  });
  return createRotator(app, {
    actor: TEST_ACTOR,
    environmentId,
    name: `db${counter}`,
    type: "postgres",
    inputs: {
      host: cluster.host,
      port: target.port ?? cluster.port,
      database: "postgres",
      tls: { mode: "disable" },
      managing: MANAGING,
      username1: u1,
      username2: u2,
      ...(target.timeoutMs ? { timeoutMs: target.timeoutMs } : {}),
    },
  });
}

/** The server log written while `work` ran. */
async function logDuring(work: () => Promise<unknown>): Promise<string> {
  const from = cluster.readLog().length;
  await work();
  // The server writes a failed login's FATAL line as the connection ends: give it a moment.
  await new Promise((r) => setTimeout(r, 200));
  return cluster.readLog().slice(from);
}

const FAILED_LOGIN = /password authentication failed/;

describe("the target's log", () => {
  it("a fresh rotation logs no failed login at the target", async () => {
    const rotator = await newRotator();
    const log = await logDuring(async () => {
      for (let i = 0; i < 3; i++) expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
    });
    expect(log).toMatch(/ALTER ROLE/);
    expect(log.split("\n").filter((l) => FAILED_LOGIN.test(l))).toEqual([]);
  });

  it.each<StepName>(["persist pending", "apply"])("a run resumed after a crash at %s still converges, setting the password once", async (crashAt) => {
    const rotator = await newRotator();
    const { completion } = await startRotation(
      app,
      { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR },
      { leaseTtlMs: LEASE_MS, hooks: { afterStep: (step) => { if (step === crashAt) throw new SimulatedCrash(step); } } },
    );
    await expect(completion).rejects.toBeInstanceOf(SimulatedCrash);
    await new Promise((r) => setTimeout(r, LEASE_MS + 100));
    const log = await logDuring(async () => {
      expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
    });
    const state = loadState(app.keyring, (await getRotatorById({ db: app.db, id: rotator.id }))!);
    expect(await cluster.checkLogin({ username: state.current!.username, password: state.current!.password })).toBe(true);
    const alters = log.split("\n").filter((l) => l.includes(`ALTER ROLE "${state.current!.username}"`));
    // Crashed after apply: the resumed run found its password already set and did not set it again.
    expect(alters).toHaveLength(crashAt === "apply" ? 0 : 1);
  });
});

describe("Rotor's log", () => {
  let silent: Server | undefined;
  afterEach(() => {
    vi.restoreAllMocks();
    silent?.close();
    silent = undefined;
  });

  async function loggedDuring(work: () => Promise<unknown>): Promise<string> {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    await work();
    return lines.join("\n");
  }

  it("a failed rotation logs its real cause (connection refused), without a secret", async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const rotator = await newRotator({ port: closed });
    let outcome;
    const log = await loggedDuring(async () => {
      outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
    });
    expect(outcome).toMatchObject({ status: "failed", errorCode: "target:unreachable" });
    expect(log).toContain(outcome!.runId);
    expect(log).toMatch(/ECONNREFUSED/);
    expect(log).not.toContain(MANAGING.password);
  });

  it("a target that never answers logs the driver's timeout as the cause", async () => {
    silent = createServer(() => {}).listen(0, "127.0.0.1");
    await new Promise((r) => silent!.once("listening", r));
    const rotator = await newRotator({ port: (silent.address() as { port: number }).port, timeoutMs: 300 });
    let outcome;
    const log = await loggedDuring(async () => {
      outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
    });
    expect(outcome).toMatchObject({ status: "failed", errorCode: "target:unreachable" });
    expect(log).toMatch(/timeout/i);
    expect(log).toMatch(/Caused by/);
    expect(log).not.toContain(MANAGING.password);
  });
});
