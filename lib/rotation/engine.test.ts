/**
 * The rotation engine against a real store and a real password-checking PostgreSQL: rotations keep two
 * working credentials, a crash at any step is resumed without locking anyone out, failures change nothing
 * and leak nothing, and two rotations of one rotator never overlap.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { createEnvironment } from "../environments/service";
import { createRotator, revealCredential, updateRotator } from "./rotator-service";
import { rotateNow, startRotation, SimulatedCrash, type StepName } from "./engine";
import { rotateEnvironment } from "./rotate-environment";
import { getRotatorById } from "../db/queries/rotators";
import { getRunById, listStepsByRun } from "../db/queries/runs";
import { listEnvironmentRevisions } from "../db/queries/environments";
import { listAuditEvents, verifyAuditChain } from "../db/queries/audit";
import { decryptPending } from "./rotator-records";
import { loadState } from "../environments/rotator-state";
import type { RotatorState } from "../rotators/types";

let cluster: PgCluster;
let app: TestApp;
let environmentId: string;
const MANAGING = { username: "rotor_manager", password: "m4nager'pass\"word\\" };
// Long enough that a busy CI machine does not let the "dead" process's lease expire before the check.
const LEASE_MS = 2_000;

async function createUsers(names: string[]) {
  await cluster.withSuperuser(async (client) => {
    for (const name of names) {
      await client.query(`create role ${client.escapeIdentifier(name)} login password ${client.escapeLiteral(`initial-${name}`)}`);
    }
  });
}

function inputsFor(username1: string, username2: string, managing = MANAGING) {
  return { host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "disable" }, managing, username1, username2 };
}

async function stateOf(rotatorId: string): Promise<RotatorState> {
  const row = (await getRotatorById({ db: app.db, id: rotatorId }))!;
  return loadState(app.keyring, row);
}

async function expectBothWork(state: RotatorState) {
  for (const credential of [state.current, state.previous]) {
    if (!credential) continue;
    expect(await cluster.checkLogin({ username: credential.username, password: credential.password }), `${credential.username} logs in`).toBe(true);
  }
}

let counter = 0;
async function newRotator(options: { importCurrent?: boolean } = {}) {
  counter += 1;
  const [u1, u2] = [`app ${counter}"a`, `app'${counter};b`];
  await createUsers([u1, u2]);
  return createRotator(app, {
    actor: TEST_ACTOR,
    environmentId,
    name: `db${counter}`,
    type: "postgres",
    inputs: inputsFor(u1, u2),
    importState: options.importCurrent ? { current: { username: u1, password: `initial-${u1}` } } : undefined,
  });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [cluster, app] = await Promise.all([startPgCluster(), openTestApp("pglite")]);
  await cluster.withSuperuser((c) => c.query(`create role rotor_manager login createrole password ${c.escapeLiteral(MANAGING.password)}`));
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "prod", description: "" })).id;
}, 120_000);

afterAll(async () => {
  await app?.destroy();
  await cluster?.stop();
});

describe("rotation engine", () => {
  it("alternates the two users and keeps current and previous working", async () => {
    const rotator = await newRotator({ importCurrent: true });
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const before = await stateOf(rotator.id);
      const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
      expect(outcome.status).toBe("succeeded");
      const after = await stateOf(rotator.id);
      expect(after.previous).toEqual(before.current);
      expect(after.current!.username).not.toBe(before.current?.username);
      expect(seen.has(after.current!.password)).toBe(false);
      seen.add(after.current!.password);
      await expectBothWork(after);
      const steps = await listStepsByRun({ db: app.db, runId: outcome.runId });
      expect(steps.map((s) => [s.name, s.status])).toEqual([
        // The lockout guard checks the credential a rotation retires; the first has none.
        ...(before.previous ? [["check retiring credential", "succeeded"]] : []),
        ["plan", "succeeded"],
        ["persist pending", "succeeded"],
        ["apply", "succeeded"],
        ["verify", "succeeded"],
        ["commit", "succeeded"],
      ]);
      const run = (await getRunById({ db: app.db, id: outcome.runId }))!;
      expect(run.pendingCiphertext).toBeNull();
      expect(run.revisionAfter).toBeGreaterThan(run.revisionBefore!);
    }
    const revisions = await listEnvironmentRevisions({ db: app.db, environmentId });
    expect(revisions[0].reason).toBe(`rotated ${rotator.name}`);
    // Nothing the engine wrote in plain columns contains a password.
    const dump = JSON.stringify(
      await app.db.execute(sql`select r.*, s.*, a.* from rotation_runs r join rotation_steps s on s.run_id = r.id, audit_events a`),
    );
    for (const password of seen) expect(dump).not.toContain(password);
    expect(await verifyAuditChain({ db: app.db })).toMatchObject({ ok: true });
  });

  const crashPoints: (StepName | "checkpoint")[] = ["plan", "persist pending", "apply", "verify"];
  it.each(crashPoints)("resumes a run whose process died after %s, never locking out current", async (crashAt) => {
    const rotator = await newRotator({ importCurrent: true });
    await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
    const before = await stateOf(rotator.id);

    const { runId, completion } = await startRotation(
      app,
      { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR },
      {
        leaseTtlMs: LEASE_MS,
        hooks: {
          afterStep: (step) => {
            if (step === crashAt) throw new SimulatedCrash(step);
          },
        },
      },
    );
    await expect(completion).rejects.toBeInstanceOf(SimulatedCrash);
    // The write-ahead boundary (one statement): after it, the pending credential and apply's start are stored
    // together; before it (a crash after plan), neither is.
    const crashed = (await getRunById({ db: app.db, id: runId }))!;
    const recorded = crashed.pendingCiphertext ? decryptPending(app.keyring, runId, crashed.pendingCiphertext) : null;
    const stepsAtCrash = (await listStepsByRun({ db: app.db, runId })).map((s) => `${s.name}:${s.status}`);
    if (crashAt === "plan") {
      expect(recorded).toBeNull();
      expect(stepsAtCrash.some((s) => s.startsWith("apply:"))).toBe(false);
    } else {
      expect(recorded?.credential?.username).toBeTruthy();
      expect(stepsAtCrash).toContain("persist pending:succeeded");
    }
    if (crashAt === "persist pending") expect(stepsAtCrash.at(-1)).toBe("apply:running");
    // While the dead process's lease lasts, nobody else may rotate; current and previous still work.
    await expect(rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).rejects.toThrow(/already running/);
    expect(await stateOf(rotator.id)).toEqual(before);
    // Current always works. Previous works until apply gives its user the pending password: that is the
    // two-user strategy's one invalidation, the same as in a rotation that completes.
    expect(await cluster.checkLogin({ username: before.current!.username, password: before.current!.password })).toBe(true);
    if (crashAt === "plan" || crashAt === "persist pending") await expectBothWork(before);

    await wait(LEASE_MS + 100);
    const resumed = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
    expect(resumed).toMatchObject({ runId, status: "succeeded" });
    const after = await stateOf(rotator.id);
    expect(after.previous).toEqual(before.current);
    // Resumed with the credential it recorded, which the target may already have seen.
    if (recorded) expect(after.current).toEqual(recorded.credential);
    await expectBothWork(after);
    const run = (await getRunById({ db: app.db, id: runId }))!;
    expect(run.attempt).toBe(2);
    const names = (await listStepsByRun({ db: app.db, runId })).map((s) => s.name);
    expect(names).toContain("resume");
    // A resumed run reuses its recorded pending credential instead of planning again (once planned).
    expect(names.filter((n) => n === "plan")).toHaveLength(crashAt === "plan" ? 2 : 1);
  });

  it("refuses a second rotation of the same rotator while one runs", async () => {
    const rotator = await newRotator();
    const first = await startRotation(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
    await expect(startRotation(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).rejects.toThrow(/already running/);
    expect((await first.completion).status).toBe("succeeded");
    expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
  });

  it("records a failure with a clear, secret-free error, changes nothing, and recovers with a fresh password", async () => {
    const rotator = await newRotator({ importCurrent: true });
    const before = await stateOf(rotator.id);
    const wrong = { username: MANAGING.username, password: "definitely-wrong-password" };
    await updateRotator(app, { actor: TEST_ACTOR, rotatorId: rotator.id, name: rotator.name, inputs: inputsFor(before.current!.username, (rotator.inputs as { username2: string }).username2, wrong) });
    const failed = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
    expect(failed.status).toBe("failed");
    expect(failed.errorCode).toBe("auth:managing-login-failed");
    expect(failed.errorMessage).toMatch(/managing user/);
    expect(failed.errorMessage).not.toContain(wrong.password);
    expect(await stateOf(rotator.id)).toEqual(before);
    await expectBothWork(before);
    const failing = (await getRotatorById({ db: app.db, id: rotator.id }))!;
    expect(failing.failingSince).not.toBeNull();
    expect(failing.lastError).toBe(failed.errorMessage);

    await updateRotator(app, { actor: TEST_ACTOR, rotatorId: rotator.id, name: rotator.name, inputs: inputsFor(before.current!.username, (rotator.inputs as { username2: string }).username2) });
    const ok = await rotateNow(app, { rotatorId: rotator.id, trigger: "retry", actor: TEST_ACTOR });
    expect(ok.status).toBe("succeeded");
    expect((await listStepsByRun({ db: app.db, runId: ok.runId })).map((s) => s.name)).toContain("abandon previous attempt");
    expect((await getRunById({ db: app.db, id: failed.runId }))!.pendingCiphertext).toBeNull();
    const recovered = (await getRotatorById({ db: app.db, id: rotator.id }))!;
    expect(recovered.failingSince).toBeNull();
    await expectBothWork(await stateOf(rotator.id));
    const audit = (await listAuditEvents({ db: app.db, filter: { target: rotator.name, action: "rotation." }, limit: 10 })).events;
    expect(audit.map((e) => e.action)).toEqual(["rotation.succeeded", "rotation.failed"]);
  });

  it("rotates a whole environment, each rotator independently", async () => {
    const env = await createEnvironment(app, { actor: TEST_ACTOR, name: "batch", description: "" });
    counter += 1;
    await createUsers([`good${counter}a`, `good${counter}b`]);
    await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "good", type: "postgres", inputs: inputsFor(`good${counter}a`, `good${counter}b`) });
    await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId: env.id,
      name: "missing_users",
      type: "postgres",
      inputs: inputsFor("no_such_user_1", "no_such_user_2"),
    });
    await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "token", type: "password", inputs: {} });
    const { results } = await rotateEnvironment(app, { environmentId: env.id, trigger: "user", actor: TEST_ACTOR });
    expect(Object.fromEntries(results.map((r) => [r.rotatorName, r.status]))).toEqual({ good: "succeeded", missing_users: "failed", token: "succeeded" });
  });

  it("reveals a credential only through an audited call", async () => {
    const rotator = await newRotator({ importCurrent: true });
    const credential = await revealCredential(app, { actor: TEST_ACTOR, rotatorId: rotator.id, which: "current" });
    expect(credential.password).toMatch(/^initial-/);
    const [event] = (await listAuditEvents({ db: app.db, filter: { action: "secret.revealed" }, limit: 1 })).events;
    expect(event).toMatchObject({ targetId: rotator.id, details: { which: "current" } });
    expect(JSON.stringify(event)).not.toContain(credential.password);
    await expect(revealCredential(app, { actor: TEST_ACTOR, rotatorId: rotator.id, which: "previous" })).rejects.toThrow(/no previous credential/);
  });

  it("refuses an imported credential that does not work, and stores nothing", async () => {
    counter += 1;
    await createUsers([`imp${counter}a`, `imp${counter}b`]);
    await expect(
      createRotator(app, {
        actor: TEST_ACTOR,
        environmentId,
        name: `imp${counter}`,
        type: "postgres",
        inputs: inputsFor(`imp${counter}a`, `imp${counter}b`),
        importState: { current: { username: `imp${counter}a`, password: "not-the-password" } },
      }),
    ).rejects.toThrow(/imported current credential does not work/);
  });
});
