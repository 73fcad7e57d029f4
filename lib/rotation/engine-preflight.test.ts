/**
 * The first step of every scheduled run is the preflight (Check rotation): a scheduled run whose check fails
 * changes nothing — no password generated, no ALTER sent, state and revision untouched — and fails with the
 * checklist's first failure, retryable only when that failure may pass. Runs a person starts go straight on.
 * Real servers: MariaDB on 127.0.0.1:3306 and a password-checking PostgreSQL cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { connectMysqlAdmin, type MysqlAdmin } from "@/test/support/mysql-admin";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { createEnvironment } from "../environments/service";
import { createRotator } from "./rotator-service";
import { rotateNow } from "./engine";
import { getRotatorById } from "../db/queries/rotators";
import { listStepsByRun } from "../db/queries/runs";
import { getEnvironmentById } from "../db/queries/environments";

let app: TestApp;
let mysql: MysqlAdmin;
let cluster: PgCluster;
let environmentId: string;

beforeAll(async () => {
  [app, mysql, cluster] = await Promise.all([openTestApp("pglite"), connectMysqlAdmin(), startPgCluster()]);
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "prod", description: "" })).id;
});

afterAll(async () => {
  await app?.destroy();
  await mysql?.dropAll();
  await cluster?.stop();
});

let n = 0;
/** A MariaDB rotator whose managing user has `grants`, and its two accounts with known passwords. */
async function mysqlRotator(grants: string[]) {
  const managingPassword = `mgr-${mysql.uniqueName("pw")}-secret`;
  const managing = await mysql.createUser({ password: managingPassword, grants });
  const one = await mysql.createUser({ password: "initial-one" });
  const two = await mysql.createUser({ password: "initial-two" });
  const rotator = await createRotator(app, {
    actor: TEST_ACTOR,
    environmentId,
    name: `db${++n}`,
    type: "mysql",
    inputs: { host: mysql.host, port: mysql.port, tls: { mode: "disable" }, managing: { username: managing.username, password: managingPassword }, username1: one.username, username2: two.username },
  });
  return { rotator, one, two, managingPassword };
}

const stepsOf = async (runId: string) => (await listStepsByRun({ db: app.db, runId })).map((s) => [s.name, s.status]);
const revision = async () => (await getEnvironmentById({ db: app.db, id: environmentId }))!.currentRevision;

describe("the preflight step of scheduled runs", () => {
  it("stops a scheduled run whose managing user lacks the grant: nothing changes, not retried, the fix in the message", async () => {
    const { rotator, one, two, managingPassword } = await mysqlRotator(["SELECT ON mysql.user"]);
    const before = await revision();
    const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
    expect(outcome).toMatchObject({ status: "failed", errorCode: "auth:permission-denied", retryable: false });
    expect(outcome.errorMessage).toMatch(/^Preflight failed — The managing user may change the password of/);
    expect(outcome.errorMessage).toContain("GRANT CREATE USER ON *.*");
    expect(outcome.errorMessage).not.toContain(managingPassword);
    expect(await stepsOf(outcome.runId)).toEqual([["preflight", "failed"]]);
    // Nothing reached the accounts, nothing was recorded as pending, no revision.
    expect(await mysql.checkLogin({ username: one.username, password: "initial-one" })).toBe(true);
    expect(await mysql.checkLogin({ username: two.username, password: "initial-two" })).toBe(true);
    const row = (await getRotatorById({ db: app.db, id: rotator.id }))!;
    expect(row.stateCiphertext).toBeNull();
    expect(row.lastError).toContain("Preflight failed");
    expect(await revision()).toBe(before);
  });

  it("a run a person starts has no preflight step", async () => {
    const { rotator } = await mysqlRotator(["SELECT ON mysql.user"]);
    const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
    expect(outcome.status).toBe("failed");
    expect((await stepsOf(outcome.runId)).map(([name]) => name)).not.toContain("preflight");
  });

  it("a scheduled run that passes the preflight rotates, with the check as its first step", async () => {
    const { rotator, one } = await mysqlRotator(["CREATE USER ON *.*", "SELECT ON mysql.user"]);
    const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "retry", actor: TEST_ACTOR });
    expect(outcome.status).toBe("succeeded");
    const steps = await listStepsByRun({ db: app.db, runId: outcome.runId });
    expect([steps[0]!.name, steps[0]!.status]).toEqual(["preflight", "succeeded"]);
    expect(steps[0]!.message).toMatch(/^Check rotation: \d+ ok/);
    expect(steps.map((s) => s.name)).toContain("commit");
    expect(await mysql.checkLogin({ username: one.username, password: "initial-one" })).toBe(false);
  });

  it("an unreachable target fails the preflight retryably (the schedule's backoff retries it)", async () => {
    const rotator = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: "unreachable",
      type: "postgres",
      inputs: { host: cluster.host, port: 1, tls: { mode: "disable" }, managing: { username: "rotor", password: "not-used-1" }, username1: "a1", username2: "a2" },
    });
    const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
    expect(outcome).toMatchObject({ status: "failed", errorCode: "target:unreachable", retryable: true });
    expect(outcome.errorMessage).toMatch(/^Preflight failed — Reach PostgreSQL at/);
    expect(await stepsOf(outcome.runId)).toEqual([["preflight", "failed"]]);
  });
});
