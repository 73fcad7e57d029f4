/**
 * Two Rotate now clicks rotate once. A request carries the environment revision it was made
 * from; once a rotation replaced the credential, a request from the older revision is refused with when and by
 * whom, and only an explicit "rotate again" (no revision) rotates once more. Real store, `password` rotators.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { createEnvironment, setEnvironmentValue } from "../environments/service";
import { createRotator } from "./rotator-service";
import { rotateNow } from "./engine";
import { getEnvironmentById } from "../db/queries/environments";
import { listRuns } from "../db/queries/runs";
import { isAppError } from "../errors";

let app: TestApp;
let environmentId: string;

beforeAll(async () => {
  app = await openTestApp("pglite");
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "clicks", description: "" })).id;
});
afterAll(async () => {
  await app?.destroy();
});

const revisionNow = async () => (await getEnvironmentById({ db: app.db, id: environmentId }))!.currentRevision;
const runsOf = async (rotatorId: string) => (await listRuns({ db: app.db, filter: { rotatorId }, limit: 50 })).runs.length;

describe("a rotation request is bound to the revision it was made from", () => {
  it("the second click of two from the same page is refused: rotated N s ago by whom; rotate again rotates", async () => {
    const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "token", type: "password", inputs: {} });
    const seen = await revisionNow();
    const alice = { id: null, label: "alice@example.com", ip: "127.0.0.1" };
    expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: alice, expectedRevision: seen })).status).toBe("succeeded");

    const second = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR, expectedRevision: seen }).catch((e: unknown) => e);
    expect(isAppError(second) && second.code).toBe("rotation:stale-revision");
    expect((second as Error).message).toMatch(/^Rotated \d+ s ago by alice@example\.com; rotate again\?$/);
    expect(await runsOf(rotator.id)).toBe(1);

    // The explicit confirmation sends no revision; a request made from the new revision is not stale either.
    expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
    expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR, expectedRevision: await revisionNow() })).status).toBe("succeeded");
    expect(await runsOf(rotator.id)).toBe(3);
  });

  it("other changes to the environment since the page was rendered do not block a rotation", async () => {
    const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "other", type: "password", inputs: {} });
    const seen = await revisionNow();
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId, key: "region", value: "eu-west-1", secret: false });
    await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "unrelated", type: "password", inputs: {} });
    expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR, expectedRevision: seen })).status).toBe("succeeded");
  });
});
