/**
 * "Open at revision N" is exact, whatever way revisions are stored: an environment goes through every kind of
 * change (values set and removed, rotators added, rotated, renamed, re-imported and removed, exported
 * variables, a rename), well past a periodic snapshot; what GET /environments/{name}/open?revision=N answered
 * right after each revision was made must be what it answers for every N at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { callApi, serviceToken } from "@/test/support/api-client";
import { openEnvironmentRoute } from "../api/routes/environments";
import { getEnvironmentById } from "../db/queries/environments";
import { createRotator, deleteRotator, importRotatorState, updateRotator } from "../rotation/rotator-service";
import { rotateNow } from "../rotation/engine";
import { createEnvironment, removeEnvironmentValue, renameEnvironment, setEnvironmentExports, setEnvironmentValue } from "./service";

let app: TestApp;
let token: string;

beforeAll(async () => {
  app = await openTestApp("pglite");
  token = (await serviceToken(app, "reader", "read", null)).token;
}, 60_000);

afterAll(async () => {
  await app?.destroy();
});

/** What a revision opens to: the document, without what is today's (rotation times, next rotations). */
async function openedAt(name: string, revision: number) {
  const response = await callApi(app, openEnvironmentRoute, { token, params: { name }, query: { revision: String(revision) } });
  expect(response.status, `open ${name} at ${revision}`).toBe(200);
  const body = (await response.json()) as {
    revision: number;
    values: Record<string, string>;
    rotators: Record<string, { type: string; current: unknown; previous: unknown }>;
    exports: Record<string, string>;
    exportErrors: Record<string, string>;
  };
  return {
    revision: body.revision,
    values: body.values,
    rotators: Object.fromEntries(Object.entries(body.rotators).map(([k, r]) => [k, { type: r.type, current: r.current, previous: r.previous }])),
    exports: body.exports,
    exportErrors: body.exportErrors,
  };
}

describe("environment revisions", () => {
  it("every revision opens to exactly what it opened to when it was made", async () => {
    let name = "revs";
    const env = await createEnvironment(app, { actor: TEST_ACTOR, name, description: "" });
    const seen = new Map<number, Awaited<ReturnType<typeof openedAt>>>();
    const snap = async () => {
      const current = (await getEnvironmentById({ db: app.db, id: env.id }))!.currentRevision;
      expect(seen.has(current), `revision ${current} is new`).toBe(false);
      seen.set(current, await openedAt(name, current));
    };
    await snap();
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: "HOST", value: "db.internal", secret: false });
    await snap();
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: "API_KEY", value: "s3cret-value", secret: true });
    await snap();
    const a = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "a", type: "password", inputs: {} });
    await snap();
    const b = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "b", type: "passphrase", inputs: {}, importState: { current: { passphrase: "one two three four" } } });
    await snap();
    for (let i = 0; i < 3; i++) {
      await rotateNow(app, { rotatorId: a.id, trigger: "user", actor: TEST_ACTOR });
      await snap();
    }
    await setEnvironmentExports(app, { actor: TEST_ACTOR, environmentId: env.id, exports: { A_PASSWORD: "${a.current.password}", HOST: "${values.HOST}" } });
    await snap();
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: "HOST", value: "db2.internal", secret: false });
    await snap();
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: "TEMP", value: "x", secret: false });
    await snap();
    await removeEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: "TEMP" });
    await snap();
    await updateRotator(app, { actor: TEST_ACTOR, rotatorId: b.id, name: "b2", inputs: {} });
    await snap();
    await importRotatorState(app, { actor: TEST_ACTOR, rotatorId: b.id, state: { current: { passphrase: "five six seven eight" }, previous: { passphrase: "one two three four" } } });
    await snap();
    const c = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "c", type: "password", inputs: {} });
    await snap();
    await rotateNow(app, { rotatorId: c.id, trigger: "user", actor: TEST_ACTOR });
    await snap();
    await deleteRotator(app, { actor: TEST_ACTOR, rotatorId: c.id, confirmName: "c" });
    await snap();
    await renameEnvironment(app, { actor: TEST_ACTOR, environmentId: env.id, name: "revs2", description: "renamed" });
    name = "revs2";
    await snap();
    // Well past a periodic snapshot, with changes of every kind in between.
    for (let i = 0; i < 110; i++) {
      if (i % 37 === 5) await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: `K${i}`, value: `v${i}`, secret: i % 2 === 0 });
      else await rotateNow(app, { rotatorId: i % 3 === 0 ? b.id : a.id, trigger: "schedule", actor: TEST_ACTOR });
      await snap();
    }
    const last = (await getEnvironmentById({ db: app.db, id: env.id }))!.currentRevision;
    expect(seen.size).toBe(last);
    for (let revision = 1; revision <= last; revision++) {
      expect(await openedAt(name, revision), `revision ${revision}`).toEqual(seen.get(revision));
    }
  }, 120_000);
});
