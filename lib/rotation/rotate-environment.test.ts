/**
 * "Rotate environment" (the environment page's Rotate all, and POST /environments/{name}/rotate) carries the
 * revision it was made from, like Rotate now (lib/rotation/replaced-since.ts): two clicks from the same page start one batch;
 * the second is refused as a whole with when and by whom, nothing starts, and only "rotate again" (no revision)
 * rotates once more. Real store, `password` rotators.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { createEnvironment } from "../environments/service";
import { createRotator } from "./rotator-service";
import { startEnvironmentRotations } from "./rotate-environment";
import { getEnvironmentById } from "../db/queries/environments";
import { getRunById, listRuns } from "../db/queries/runs";
import { isAppError } from "../errors";

let app: TestApp;
let environmentId: string;

beforeAll(async () => {
  app = await openTestApp("pglite");
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "rotate-all", description: "" })).id;
  for (const name of ["first", "second"]) await createRotator(app, { actor: TEST_ACTOR, environmentId, name, type: "password", inputs: {} });
});
afterAll(async () => {
  await app?.destroy();
});

const revisionNow = async () => (await getEnvironmentById({ db: app.db, id: environmentId }))!.currentRevision;
const runCount = async () => (await listRuns({ db: app.db, filter: {}, limit: 100 })).runs.length;
const rotateAll = (expectedRevision?: number, actor = TEST_ACTOR) => startEnvironmentRotations(app, { environmentId, expectedRevision, trigger: "user", actor });

async function finished(runs: { status: string; runId?: string }[]) {
  for (const run of runs) {
    expect(run.status).toBe("running");
    await expect.poll(async () => (await getRunById({ db: app.db, id: run.runId! }))?.status, { timeout: 10_000 }).toBe("succeeded");
  }
}

describe("Rotate all is bound to the revision it was made from", () => {
  it("the second of two clicks is refused, naming each rotator rotated since and by whom; rotate again rotates", async () => {
    const seen = await revisionNow();
    const alice = { id: null, label: "alice@example.com", ip: "127.0.0.1" };
    const first = await rotateAll(seen, alice);
    expect(first.runs).toHaveLength(2);
    await finished(first.runs);
    const runs = await runCount();

    const second = await rotateAll(seen).catch((e: unknown) => e);
    expect(isAppError(second) && second.code).toBe("rotation:stale-revision");
    expect((second as Error).message).toMatch(/^first: Rotated \d+ s ago by alice@example\.com; rotate again\? second: Rotated \d+ s ago by alice@example\.com; rotate again\?$/);
    expect(await runCount()).toBe(runs);

    // The explicit confirmation sends no revision; a request from the new revision is not stale either.
    await finished((await rotateAll()).runs);
    await finished((await rotateAll(await revisionNow())).runs);
    expect(await runCount()).toBe(runs + 4);
  });
});
