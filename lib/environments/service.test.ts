/** Environments: names, revisions, values and a delete that leaves no secret behind. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { createEnvironment, deleteEnvironment, renameEnvironment, setEnvironmentValue } from "./service";
import { createRotator } from "../rotation/rotator-service";
import { rotateNow } from "../rotation/engine";
import { listEnvironmentRevisions } from "../db/queries/environments";
import { rowsOf } from "../db/queries/audit";

let app: TestApp;
beforeAll(async () => {
  app = await openTestApp("pglite");
});
afterAll(async () => app?.destroy());

const count = async (table: string) => Number(rowsOf<{ n: string }>(await app.db.execute(sql.raw(`select count(*) as n from ${table}`)))[0].n);

describe("environments", () => {
  it("refuses duplicate names (case-insensitive) and records a revision per change", async () => {
    const env = await createEnvironment(app, { actor: TEST_ACTOR, name: "staging", description: "" });
    await expect(createEnvironment(app, { actor: TEST_ACTOR, name: "STAGING", description: "" })).rejects.toThrow(/already exists/);
    await renameEnvironment(app, { actor: TEST_ACTOR, environmentId: env.id, name: "stage", description: "x" });
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: "REGION", value: "eu-west-1", secret: false });
    const reasons = (await listEnvironmentRevisions({ db: app.db, environmentId: env.id })).map((r) => [r.revision, r.reason]);
    expect(reasons).toEqual([
      [3, "value REGION set"],
      [2, "renamed from staging"],
      [1, "created"],
    ]);
  });

  it("deletes everything secret with the environment (confirmed by name) and keeps secret-free history", async () => {
    const env = await createEnvironment(app, { actor: TEST_ACTOR, name: "doomed", description: "" });
    const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "token", type: "password", inputs: {} });
    await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: "K", value: "v", secret: true });
    await expect(deleteEnvironment(app, { actor: TEST_ACTOR, environmentId: env.id, confirmName: "wrong" })).rejects.toThrow(/Type doomed exactly/);
    const runsBefore = await count("rotation_runs");
    await deleteEnvironment(app, { actor: TEST_ACTOR, environmentId: env.id, confirmName: "doomed" });
    const left = rowsOf<{ n: string }>(
      await app.db.execute(sql`select
        (select count(*) from rotators where environment_id = ${env.id}) +
        (select count(*) from environment_values where environment_id = ${env.id}) +
        (select count(*) from environment_revisions where environment_id = ${env.id}) +
        (select count(*) from rotation_runs where pending_ciphertext is not null and rotator_id is null) as n`),
    );
    expect(Number(left[0].n)).toBe(0);
    expect(await count("rotation_runs")).toBe(runsBefore);
  });
});
