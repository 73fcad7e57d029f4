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
import { getEnvironmentById, listEnvironmentValues } from "../db/queries/environments";
import { listRotatorsByEnvironment } from "../db/queries/rotators";
import { loadState } from "./rotator-state";
import { compactRevisionSnapshots, loadRevisionDocument, pruneRevisions, revisionContext, valueContext } from "./revisions";
import { rowsOf } from "../db/queries/audit";
import { sql } from "drizzle-orm";
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

/** The environment as its own rows say it is now: values and each rotator's state. */
async function liveDocument(environmentId: string) {
  const values: Record<string, string> = {};
  for (const v of await listEnvironmentValues({ db: app.db, environmentId })) {
    values[v.key] = v.secret ? app.keyring.decrypt(v.valueCiphertext!, valueContext(environmentId, v.key)) : v.plainValue!;
  }
  const rotators: Record<string, { type: string; current: unknown; previous: unknown }> = {};
  for (const row of await listRotatorsByEnvironment({ db: app.db, environmentId })) {
    const state = loadState(app.keyring, row);
    rotators[row.name] = { type: row.type, current: state.current, previous: state.previous };
  }
  return { values, rotators };
}

describe("environment revisions", () => {
  it("every revision opens to exactly what it opened to when it was made", async () => {
    let name = "revs";
    const env = await createEnvironment(app, { actor: TEST_ACTOR, name, description: "" });
    const seen = new Map<number, Awaited<ReturnType<typeof openedAt>>>();
    const snap = async () => {
      const current = (await getEnvironmentById({ db: app.db, id: env.id }))!.currentRevision;
      expect(seen.has(current), `revision ${current} is new`).toBe(false);
      const opened = await openedAt(name, current);
      // The newest revision is what the environment is now (read from its rows, not from any revision).
      const live = await liveDocument(env.id);
      expect({ values: opened.values, rotators: opened.rotators }, `revision ${current} is the live state`).toEqual(live);
      seen.set(current, opened);
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

  /** An environment with a few revisions of each kind, and what each opens to. */
  async function smallHistory(name: string) {
    const env = await createEnvironment(app, { actor: TEST_ACTOR, name, description: "" });
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: "HOST", value: "h1", secret: false });
    const a = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "a", type: "password", inputs: {} });
    const b = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "b", type: "password", inputs: {} });
    for (let i = 0; i < 6; i++) await rotateNow(app, { rotatorId: i % 2 ? a.id : b.id, trigger: "user", actor: TEST_ACTOR });
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: "PW", value: "secret-pw", secret: true });
    await deleteRotator(app, { actor: TEST_ACTOR, rotatorId: b.id, confirmName: "b" });
    await rotateNow(app, { rotatorId: a.id, trigger: "user", actor: TEST_ACTOR });
    const last = (await getEnvironmentById({ db: app.db, id: env.id }))!.currentRevision;
    const opened = new Map<number, Awaited<ReturnType<typeof openedAt>>>();
    for (let r = 1; r <= last; r++) opened.set(r, await openedAt(name, r));
    return { env, last, opened };
  }

  const storedBytes = async (environmentId: string) =>
    Number(rowsOf<{ bytes: number }>(await app.db.execute(sql`select coalesce(sum(octet_length(coalesce(document_ciphertext, '')) + octet_length(coalesce(delta_ciphertext, ''))), 0)::bigint as bytes from environment_revisions where environment_id = ${environmentId}`))[0]!.bytes);

  it("revisions stored as whole snapshots (before deltas) are converted to deltas and open exactly as before", async () => {
    const { env, last, opened } = await smallHistory("converted");
    // What an older Rotor wrote: every revision a whole snapshot.
    for (let r = 1; r <= last; r++) {
      const document = await loadRevisionDocument({ db: app.db, keyring: app.keyring, environmentId: env.id, revision: r });
      await app.db.execute(sql`update environment_revisions set document_ciphertext = ${app.keyring.encrypt(JSON.stringify(document), revisionContext(env.id, r))}, delta_ciphertext = null
        where environment_id = ${env.id} and revision = ${r}`);
    }
    for (let r = 1; r <= last; r++) expect(await openedAt("converted", r), `revision ${r} as a snapshot`).toEqual(opened.get(r));
    const before = await storedBytes(env.id);
    expect(await compactRevisionSnapshots({ db: app.db, keyring: app.keyring, pageSize: 4 })).toBeGreaterThanOrEqual(last - 1);
    const snapshots = rowsOf<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from environment_revisions where environment_id = ${env.id} and document_ciphertext is not null`))[0]!.n;
    expect(snapshots).toBe(1);
    for (let r = 1; r <= last; r++) expect(await openedAt("converted", r), `revision ${r} converted`).toEqual(opened.get(r));
    expect(await storedBytes(env.id)).toBeLessThan(before);
    // Run again (another instance, a restart): nothing left to convert, nothing changes.
    await compactRevisionSnapshots({ db: app.db, keyring: app.keyring });
    for (let r = 1; r <= last; r++) expect(await openedAt("converted", r)).toEqual(opened.get(r));
  });

  it("retention removes revisions older than the setting, keeps the rest exact and says which are kept", async () => {
    const { env, last, opened } = await smallHistory("retained");
    const old = 5;
    await app.db.execute(sql`update environment_revisions set created_at = now() - interval '40 days' where environment_id = ${env.id} and revision <= ${old}`);
    expect(await pruneRevisions({ db: app.db, keyring: app.keyring, days: 30 })).toBe(old);
    for (let r = old + 1; r <= last; r++) expect(await openedAt("retained", r), `revision ${r} kept`).toEqual(opened.get(r));
    const gone = await callApi(app, openEnvironmentRoute, { token, params: { name: "retained" }, query: { revision: "2" } });
    expect(gone.status).toBe(404);
    expect(JSON.stringify(await gone.json())).toContain(`its revisions are ${old + 1} to ${last}`);
    // Everything old: the current revision is kept whatever its age.
    await app.db.execute(sql`update environment_revisions set created_at = now() - interval '40 days' where environment_id = ${env.id}`);
    await pruneRevisions({ db: app.db, keyring: app.keyring, days: 30 });
    expect(await openedAt("retained", last)).toEqual(opened.get(last));
    expect(await pruneRevisions({ db: app.db, keyring: app.keyring, days: 30 })).toBe(0);
  });
});
