/**
 * IAM grace and rollback, against real parts (a store, a password-checking PostgreSQL cluster, the
 * fake IAM/STS endpoint through the AWS SDK):
 * - grace: the key that becomes previous is deactivated at rotation and deleted only at the next one;
 * - roll back makes previous current again (audited, a revision): SQL is a state swap, aws-iam reactivates a
 *   deactivated key first; a previous credential that was already retired is refused with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { startFakeAws, type FakeAws } from "@/test/support/fake-aws";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { createEnvironment } from "../environments/service";
import { createRotator } from "./rotator-service";
import { rotateNow } from "./engine";
import { rollbackRotator } from "./rollback";
import { getRotatorById } from "../db/queries/rotators";
import { getEnvironmentById, listEnvironmentRevisions } from "../db/queries/environments";
import { isAppError } from "../errors";
import { listStepsByRun } from "../db/queries/runs";
import { listAuditEvents } from "../db/queries/audit";
import { loadState } from "../environments/rotator-state";
import type { RotatorState } from "../rotators/types";

let app: TestApp;
let environmentId: string;
const fast = { rotatorContext: { sleep: async () => {} } };

async function stateOf(rotatorId: string): Promise<RotatorState> {
  return loadState(app.keyring, (await getRotatorById({ db: app.db, id: rotatorId }))!);
}
const rotate = (rotatorId: string) => rotateNow(app, { rotatorId, trigger: "user", actor: TEST_ACTOR }, fast);
const rollback = (rotatorId: string) => rollbackRotator(app, { actor: TEST_ACTOR, rotatorId }, fast);

beforeAll(async () => {
  app = await openTestApp("pglite");
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "rollback", description: "" })).id;
}, 60_000);
afterAll(async () => {
  await app?.destroy();
});

describe("roll back a PostgreSQL rotator", () => {
  let cluster: PgCluster;
  const managing = { username: "rollback_manager", password: "rollback-manager-pw" };
  let counter = 0;
  beforeAll(async () => {
    cluster = await startPgCluster();
    await cluster.withSuperuser((c) => c.query(`create role rollback_manager login createrole password ${c.escapeLiteral(managing.password)}`));
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  async function newRotator() {
    counter += 1;
    const [u1, u2] = [`rb${counter}_a`, `rb${counter}_b`];
    await cluster.withSuperuser(async (c) => {
      for (const u of [u1, u2]) await c.query(`create role ${u} login password ${c.escapeLiteral(`initial-${u}`)}`);
    });
    return createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: `pg${counter}`,
      type: "postgres",
      inputs: { host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "disable" }, managing, username1: u1, username2: u2 },
      importState: { current: { username: u1, password: `initial-${u1}` } },
    });
  }
  const works = (c: Record<string, string> | null) => cluster.checkLogin({ username: c!.username!, password: c!.password! });

  it("swaps current and previous with a revision and an audit event; the next rotation goes on from there", async () => {
    const rotator = await newRotator();
    expect((await rotate(rotator.id)).status).toBe("succeeded");
    const before = await stateOf(rotator.id);
    const revisionsBefore = (await listEnvironmentRevisions({ db: app.db, environmentId })).length;

    await rollback(rotator.id);
    const after = await stateOf(rotator.id);
    expect(after).toEqual({ current: before.previous, previous: before.current });
    expect(await works(after.current)).toBe(true);
    expect(await works(after.previous)).toBe(true);
    const revisions = await listEnvironmentRevisions({ db: app.db, environmentId });
    expect(revisions.length).toBe(revisionsBefore + 1);
    expect(revisions[0].reason).toBe(`rolled back ${rotator.name}`);
    const row = (await getRotatorById({ db: app.db, id: rotator.id }))!;
    expect(row.stateRevision).toBe(revisions[0].revision);
    const [event] = (await listAuditEvents({ db: app.db, filter: { action: "rotator.rolled_back" }, limit: 1 })).events;
    expect(event).toMatchObject({ targetId: rotator.id, details: { current: before.previous!.username, previous: before.current!.username } });
    expect(JSON.stringify(event)).not.toContain(before.previous!.password);

    // The next rotation changes the user that is now previous, never the rolled-back current.
    expect((await rotate(rotator.id)).status).toBe("succeeded");
    const next = await stateOf(rotator.id);
    expect(next.previous).toEqual(after.current);
    expect(await works(next.current)).toBe(true);
    expect(await works(next.previous)).toBe(true);
  });

  it("is refused, with the reason, when the previous password no longer works or there is none", async () => {
    const rotator = await newRotator();
    await expect(rollback(rotator.id)).rejects.toThrow(`${rotator.name} has no previous credential to roll back to`);
    expect((await rotate(rotator.id)).status).toBe("succeeded");
    const before = await stateOf(rotator.id);
    // Someone else changed the previous user's password: it is retired.
    await cluster.withSuperuser((c) => c.query(`alter role ${before.previous!.username} password 'changed-elsewhere'`));
    await expect(rollback(rotator.id)).rejects.toThrow(/cannot roll back: the previous credential .* no longer works/i);
    expect(await stateOf(rotator.id)).toEqual(before);
  });
});

describe("aws-iam with grace", () => {
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

  async function newRotator(grace: boolean) {
    counter += 1;
    const userName = `grace${counter}`;
    fake.admin.createUser(userName);
    const rotator = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: `iam${counter}`,
      type: "aws-iam",
      inputs: { region: "us-east-1", userName, login: { kind: "static", ...fake.adminCredentials }, graceDeactivate: grace },
    });
    return { rotator, userName };
  }
  const status = (id: string) => fake.admin.getAccessKey(id)?.status;

  it("deactivates the key that becomes previous, and deletes it only at the next rotation", async () => {
    const { rotator } = await newRotator(true);
    expect((await rotate(rotator.id)).status).toBe("succeeded");
    const first = await stateOf(rotator.id);
    const second = await rotate(rotator.id);
    expect(second.status).toBe("succeeded");
    const state = await stateOf(rotator.id);
    expect(state.previous).toEqual(first.current);
    expect(status(first.current!.accessKeyId)).toBe("Inactive");
    expect(status(state.current!.accessKeyId)).toBe("Active");
    const steps = await listStepsByRun({ db: app.db, runId: second.runId });
    expect(steps.at(-1)).toMatchObject({ name: "deactivate previous", status: "succeeded" });

    expect((await rotate(rotator.id)).status).toBe("succeeded");
    expect(status(first.current!.accessKeyId)).toBeUndefined();
    expect(status(state.current!.accessKeyId)).toBe("Inactive");
  });

  it("without grace the previous key stays active (two keys valid)", async () => {
    const { rotator } = await newRotator(false);
    for (let i = 0; i < 2; i++) expect((await rotate(rotator.id)).status).toBe("succeeded");
    const state = await stateOf(rotator.id);
    expect(status(state.previous!.accessKeyId)).toBe("Active");
  });

  it("roll back reactivates the deactivated key and makes it current; a deleted one is refused with the reason", async () => {
    const { rotator } = await newRotator(true);
    for (let i = 0; i < 2; i++) expect((await rotate(rotator.id)).status).toBe("succeeded");
    const before = await stateOf(rotator.id);
    expect(status(before.previous!.accessKeyId)).toBe("Inactive");
    await rollback(rotator.id);
    const after = await stateOf(rotator.id);
    expect(after).toEqual({ current: before.previous, previous: before.current });
    expect(status(after.current!.accessKeyId)).toBe("Active");
    expect(status(after.previous!.accessKeyId)).toBe("Active");

    // Rolled back again, then the key is deleted by someone: nothing to roll back to.
    await rollback(rotator.id);
    const now = await stateOf(rotator.id);
    fake.admin.deleteAccessKey(now.previous!.accessKeyId);
    await expect(rollback(rotator.id)).rejects.toThrow(`Access key ${now.previous!.accessKeyId} no longer exists`);
    expect(await stateOf(rotator.id)).toEqual(now);
  });
});

describe("a rollback is bound to the revision it was made from", () => {
  it("a second click from the same page is refused (it would swap back) with who rolled back; roll back anyway goes on", async () => {
    const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "clicked", type: "password", inputs: {} });
    for (let i = 0; i < 2; i++) expect((await rotate(rotator.id)).status).toBe("succeeded");
    const before = await stateOf(rotator.id);
    const seen = (await getEnvironmentById({ db: app.db, id: environmentId }))!.currentRevision;
    const alice = { id: null, label: "alice@example.com", ip: "127.0.0.1" };
    await rollbackRotator(app, { actor: alice, rotatorId: rotator.id, expectedRevision: seen }, fast);
    const rolledBack = await stateOf(rotator.id);
    expect(rolledBack).toEqual({ current: before.previous, previous: before.current });

    const second = await rollbackRotator(app, { actor: TEST_ACTOR, rotatorId: rotator.id, expectedRevision: seen }, fast).catch((e: unknown) => e);
    expect(isAppError(second) && second.code).toBe("rotation:stale-revision");
    expect((second as Error).message).toMatch(/^Changed \(rolled back clicked\) \d+ s ago by alice@example\.com; roll back anyway\?$/);
    expect(await stateOf(rotator.id)).toEqual(rolledBack);

    // A rotation since the page was rendered: previous is now what was current at the click, not what it showed.
    const afterRollback = (await getEnvironmentById({ db: app.db, id: environmentId }))!.currentRevision;
    expect((await rotate(rotator.id)).status).toBe("succeeded");
    const stale = await rollbackRotator(app, { actor: TEST_ACTOR, rotatorId: rotator.id, expectedRevision: afterRollback }, fast).catch((e: unknown) => e);
    expect((stale as Error).message).toMatch(/^Rotated \d+ s ago by .+; roll back anyway\?$/);

    // The explicit confirmation sends no revision.
    const rotated = await stateOf(rotator.id);
    await rollback(rotator.id);
    expect(await stateOf(rotator.id)).toEqual({ current: rotated.previous, previous: rotated.current });
    // One audit event per rollback done, none for a refused one.
    const { events } = await listAuditEvents({ db: app.db, filter: { action: "rotator.rolled_back" }, limit: 100 });
    expect(events.filter((e) => e.targetId === rotator.id).map((e) => e.actorLabel)).toEqual([TEST_ACTOR.label, "alice@example.com"]);
  });
});
