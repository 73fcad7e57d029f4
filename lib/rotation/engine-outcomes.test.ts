/**
 * After a failed rotation the state describes what exists at the target. A rotation
 * that already retired the previous credential (an IAM key deleted, the spare user's password replaced) and then
 * fails no longer offers it; a password change whose answer was lost is settled by checking the new password.
 * Real parts: the fake IAM/STS endpoint through the AWS SDK, a password-checking PostgreSQL cluster, the shared
 * MariaDB, and a TCP proxy that cuts the connection right after ALTER reached the server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { startFakeAws, type FakeAws } from "@/test/support/fake-aws";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { connectMysqlAdmin, type MysqlAdmin } from "@/test/support/mysql-admin";
import { startCuttingProxy, type CuttingProxy } from "@/test/support/tcp-gate";
import { createEnvironment } from "../environments/service";
import { createRotator } from "./rotator-service";
import { eq } from "drizzle-orm";
import { rotateNow, startRotation, SimulatedCrash } from "./engine";
import { decryptPending } from "./rotator-records";
import { rotators } from "../db/schema";
import { getRotatorById } from "../db/queries/rotators";
import { getUnfinishedRunByRotator, listStepsByRun } from "../db/queries/runs";
import { listEnvironmentRevisions } from "../db/queries/environments";
import { loadState } from "../environments/rotator-state";
import type { Credential, RotatorState } from "../rotators/types";

let app: TestApp;
let environmentId: string;
const fast = { rotatorContext: { sleep: async () => {} } };

async function stateOf(rotatorId: string): Promise<RotatorState> {
  return loadState(app.keyring, (await getRotatorById({ db: app.db, id: rotatorId }))!);
}

const rotate = (rotatorId: string) => rotateNow(app, { rotatorId, trigger: "user", actor: TEST_ACTOR }, fast);

beforeAll(async () => {
  app = await openTestApp("pglite");
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "outcomes", description: "" })).id;
}, 60_000);

afterAll(async () => {
  await app?.destroy();
});

describe("aws-iam never keeps a deleted key as previous", () => {
  let fake: FakeAws;
  let restore: () => void;
  let counter = 0;

  beforeAll(async () => {
    fake = await startFakeAws();
    restore = fake.useAsDefaultEndpoint();
  });
  afterAll(async () => {
    restore?.();
    await fake?.stop();
  });

  async function rotatedTwice() {
    counter += 1;
    const userName = `app${counter}`;
    fake.admin.createUser(userName);
    const rotator = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: `iam${counter}`,
      type: "aws-iam",
      inputs: { region: "us-east-1", userName, login: { kind: "static", ...fake.adminCredentials } },
    });
    for (let i = 0; i < 2; i++) expect((await rotate(rotator.id)).status).toBe("succeeded");
    const before = await stateOf(rotator.id);
    expect(before.previous).not.toBeNull();
    return { rotator, userName, before };
  }

  const failures = [
    { name: "a lost CreateAccessKey answer", fault: { action: "CreateAccessKey", kind: "drop-after" } as const, code: "target:unreachable" },
    { name: "LimitExceeded", fault: { action: "CreateAccessKey", kind: "error", code: "LimitExceeded", status: 409 } as const, code: "target:limit-exceeded" },
    { name: "a network failure", fault: { action: "CreateAccessKey", kind: "drop-before" } as const, code: "target:unreachable" },
  ];
  it.each(failures)("after $name, previous is gone from the state, current still works", async ({ fault, code }) => {
    const { rotator, userName, before } = await rotatedTwice();
    fake.admin.injectFault(fault);
    const failed = await rotate(rotator.id);
    expect(failed.status).toBe("failed");
    expect(failed.errorCode).toBe(code);
    // The previous key was deleted before the create: the state must say so.
    expect(fake.admin.getAccessKey(before.previous!.accessKeyId)).toBeUndefined();
    const after = await stateOf(rotator.id);
    expect(after).toEqual({ current: before.current, previous: null });
    expect(fake.admin.getAccessKey(before.current!.accessKeyId)?.status).toBe("Active");
    expect(failed.errorMessage).toContain(`The previous credential (${before.previous!.accessKeyId}) no longer works at the target`);
    // Consumers learn it from a revision.
    const [latest] = await listEnvironmentRevisions({ db: app.db, environmentId });
    expect(latest.reason).toBe(`previous credential of ${rotator.name} retired by a failed rotation`);
    expect(fake.admin.listAccessKeys(userName).some((k) => k.accessKeyId === before.current!.accessKeyId)).toBe(true);

    // The next rotation works from the honest state.
    const next = await rotate(rotator.id);
    expect(next.status, next.errorMessage ?? "").toBe(fault.kind === "drop-after" ? "failed" : "succeeded");
  });

  it("access key ids in failure messages are not redacted, secrets are", async () => {
    const { rotator, before } = await rotatedTwice();
    fake.admin.injectFault({ action: "CreateAccessKey", kind: "drop-before" });
    const failed = await rotate(rotator.id);
    expect(failed.errorMessage).toContain(before.previous!.accessKeyId);
    expect(failed.errorMessage).not.toContain("[redacted]");
    expect(failed.errorMessage).not.toContain(before.previous!.secretAccessKey);
  });
});

/** One SQL server behind a proxy that cuts the connection right after the ALTER reached it. */
interface SqlTarget {
  type: "postgres" | "mysql";
  proxy: CuttingProxy;
  alter: RegExp;
  newRotator(): Promise<{ id: string; name: string }>;
  works(credential: Credential): Promise<boolean>;
}

function describeLostAnswer(label: string, setup: () => Promise<SqlTarget>, teardown: () => Promise<void>) {
  describe(`${label}: a connection lost after ALTER`, () => {
    let target: SqlTarget;
    beforeAll(async () => {
      target = await setup();
    }, 120_000);
    afterAll(teardown);

    async function rotatedOnce() {
      const rotator = await target.newRotator();
      expect((await rotate(rotator.id)).status).toBe("succeeded");
      const before = await stateOf(rotator.id);
      expect(before.previous).not.toBeNull();
      return { rotator, before };
    }

    it("is settled by checking the new password: it works, so it is promoted", async () => {
      const { rotator, before } = await rotatedOnce();
      target.proxy.arm(target.alter);
      const outcome = await rotate(rotator.id);
      expect(target.proxy.cut).toBe(true);
      expect(outcome, outcome.errorMessage ?? "").toMatchObject({ status: "succeeded" });
      const after = await stateOf(rotator.id);
      expect(after.current!.username).toBe(before.previous!.username);
      expect(after.previous).toEqual(before.current);
      for (const credential of [after.current!, after.previous!]) expect(await target.works(credential)).toBe(true);
      expect(await target.works(before.previous!)).toBe(false);
      const apply = (await listStepsByRun({ db: app.db, runId: outcome.runId })).find((s) => s.name === "apply")!;
      expect(apply.message).toContain("the change may have reached the database. It did: the new password works");
    });

    it("when the database stays unreachable, the run says the change may have reached it and offers no previous", async () => {
      const { rotator, before } = await rotatedOnce();
      target.proxy.arm(target.alter, { thenRefuse: true });
      const outcome = await rotate(rotator.id);
      target.proxy.heal();
      expect(target.proxy.cut).toBe(true);
      expect(outcome.status).toBe("failed");
      expect(outcome.errorMessage).toContain("the change may have reached the database");
      // The ALTER did run: the old previous password is dead, so the state must not offer it.
      expect(await target.works(before.previous!)).toBe(false);
      const after = await stateOf(rotator.id);
      expect(after).toEqual({ current: before.current, previous: null });
      expect(await target.works(after.current!)).toBe(true);
      expect(outcome.errorMessage).not.toContain(before.previous!.password);
      // The next attempt starts fresh and rotates.
      const next = await rotate(rotator.id);
      expect(next.status, next.errorMessage ?? "").toBe("succeeded");
      const recovered = await stateOf(rotator.id);
      for (const credential of [recovered.current!, recovered.previous!]) expect(await target.works(credential)).toBe(true);
    });
  });
}

let cluster: PgCluster;
let pgProxy: CuttingProxy;
let pgCounter = 0;
describeLostAnswer(
  "PostgreSQL",
  async () => {
    cluster = await startPgCluster();
    pgProxy = await startCuttingProxy({ host: cluster.host, port: cluster.port });
    const managing = { username: "outcome_manager", password: "outcome-manager-pw" };
    await cluster.withSuperuser((c) => c.query(`create role outcome_manager login createrole password ${c.escapeLiteral(managing.password)}`));
    return {
      type: "postgres",
      proxy: pgProxy,
      alter: /ALTER ROLE/,
      async newRotator() {
        pgCounter += 1;
        const [u1, u2] = [`outcome${pgCounter}_a`, `outcome${pgCounter}_b`];
        await cluster.withSuperuser(async (c) => {
          for (const u of [u1, u2]) await c.query(`create role ${u} login password ${c.escapeLiteral(`initial-${u}`)}`);
        });
        return createRotator(app, {
          actor: TEST_ACTOR,
          environmentId,
          name: `pg${pgCounter}`,
          type: "postgres",
          inputs: { host: "127.0.0.1", port: pgProxy.port, database: "postgres", tls: { mode: "disable" }, managing, username1: u1, username2: u2 },
          importState: { current: { username: u1, password: `initial-${u1}` } },
        });
      },
      works: (credential) => cluster.checkLogin({ username: credential.username!, password: credential.password! }),
    };
  },
  async () => {
    await pgProxy?.stop();
    await cluster?.stop();
  },
);

let mysqlAdmin: MysqlAdmin;
let myProxy: CuttingProxy;
let myCounter = 0;
describeLostAnswer(
  "MariaDB",
  async () => {
    mysqlAdmin = await connectMysqlAdmin();
    myProxy = await startCuttingProxy({ host: mysqlAdmin.host, port: mysqlAdmin.port });
    const managingPassword = `mgr-${mysqlAdmin.uniqueName("pw")}`;
    const managing = await mysqlAdmin.createUser({ password: managingPassword, grants: ["CREATE USER ON *.*", "SELECT ON mysql.user"] });
    return {
      type: "mysql",
      proxy: myProxy,
      alter: /ALTER USER/,
      async newRotator() {
        myCounter += 1;
        const u1 = await mysqlAdmin.createUser({ password: `init1-${mysqlAdmin.uniqueName("pw")}` });
        await mysqlAdmin.createUser({ username: `${u1.username}b`, password: "initial-b" });
        return createRotator(app, {
          actor: TEST_ACTOR,
          environmentId,
          name: `my${myCounter}`,
          type: "mysql",
          inputs: {
            host: "127.0.0.1",
            port: myProxy.port,
            tls: { mode: "disable" },
            managing: { username: managing.username, password: managingPassword },
            username1: u1.username,
            username2: `${u1.username}b`,
          },
          importState: { current: { username: u1.username, password: u1.password } },
        });
      },
      works: (credential) => mysqlAdmin.checkLogin({ username: credential.username!, password: credential.password! }),
    };
  },
  async () => {
    await myProxy?.stop();
    await mysqlAdmin?.dropAll();
  },
);

describe("a two-user rotation that crashed after its ALTER", () => {
  let admin: MysqlAdmin;
  beforeAll(async () => {
    admin = await connectMysqlAdmin();
  });
  afterAll(async () => {
    await admin?.dropAll();
  });

  // apply reports the retired previous in its answer; the engine must write it with verify's start, so that a
  // resumed run that then fails still drops the dead previous from the state.
  it("remembers that the previous was retired: the resumed run that fails offers no previous", async () => {
    const managingPassword = `mgr-${admin.uniqueName("pw")}`;
    const managing = await admin.createUser({ password: managingPassword, grants: ["CREATE USER ON *.*", "SELECT ON mysql.user"] });
    const a = await admin.createUser({ password: `a-${admin.uniqueName("pw")}` });
    const b = await admin.createUser({ password: `b-${admin.uniqueName("pw")}` });
    const rotator = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: "crashed-after-alter",
      type: "mysql",
      inputs: {
        host: admin.host,
        port: admin.port,
        tls: { mode: "disable" },
        managing: { username: managing.username, password: managingPassword },
        username1: a.username,
        username2: b.username,
      },
      // b is current, a previous: this rotation gives a new password to a, retiring the previous.
      importState: { current: { username: b.username, password: b.password }, previous: { username: a.username, password: a.password } },
    });
    const { completion } = await startRotation(
      app,
      { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR },
      { ...fast, hooks: { afterStep: (step) => { if (step === "verify") throw new SimulatedCrash(step); } } },
    );
    await expect(completion).rejects.toBeInstanceOf(SimulatedCrash);
    const unfinished = (await getUnfinishedRunByRotator({ db: app.db, rotatorId: rotator.id }))!;
    const recorded = decryptPending(app.keyring, unfinished.id, unfinished.pendingCiphertext!);
    expect(recorded.credential?.username).toBe(a.username);
    expect(recorded.previousRetired).toBe(true);
    expect(await admin.checkLogin({ username: a.username, password: a.password })).toBe(false);

    // The resumed run cannot finish: a is locked (its new password is refused) and the managing login fails.
    await admin.query("ALTER USER ?@'%' IDENTIFIED BY ?", [managing.username, `changed-${managingPassword}`]);
    await admin.query("ALTER USER ?@'%' ACCOUNT LOCK", [a.username]);
    await app.db.update(rotators).set({ leaseExpiresAt: new Date(Date.now() - 1000) }).where(eq(rotators.id, rotator.id));
    const resumed = await rotate(rotator.id);
    expect(resumed).toMatchObject({ runId: unfinished.id, status: "failed" });
    expect(resumed.errorMessage).toContain(`The previous credential (${a.username}) no longer works at the target`);
    expect(await stateOf(rotator.id)).toEqual({ current: { username: b.username, password: b.password }, previous: null });
    expect(await admin.checkLogin({ username: b.username, password: b.password })).toBe(true);
  });
});
