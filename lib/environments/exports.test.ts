/**
 * Exported variables as the environment page edits and shows them: the editor's rows become the NAME →
 * template map, the service validates it against the environment (errors keyed by the variable, nothing
 * changed) and versions it, and the page says what each variable reads and whether it resolves yet —
 * without any value.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { createEnvironment, explainEnvironmentExports, exportCatalog, setEnvironmentExports, setEnvironmentValue } from "./service";
import { referencePaths } from "./exports";
import { setExportsSchema } from "./validation";
import { createRotator } from "../rotation/rotator-service";
import { rotateNow } from "../rotation/engine";
import { getEnvironmentById, listEnvironmentRevisions } from "../db/queries/environments";

let app: TestApp;
let environmentId: string;
let rotatorId: string;
const ENV = "00000000-0000-4000-8000-000000000000";

beforeAll(async () => {
  app = await openTestApp("pglite");
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "web", description: "" })).id;
  await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId, key: "region", value: "eu-west-1", secret: false });
  await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId, key: "api_key", value: "canary-api-key-0d9f", secret: true });
  rotatorId = (await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "app-db", type: "password", inputs: {} })).id;
});

afterAll(async () => {
  await app?.destroy();
});

const environment = async () => (await getEnvironmentById({ db: app.db, id: environmentId }))!;

describe("the editor's rows", () => {
  it("become the map in order, dropping blank rows", () => {
    const parsed = setExportsSchema.parse({
      environmentId: ENV,
      rows: [{ name: " DB_PASSWORD ", template: "${app-db.current.password}" }, { name: "", template: "" }, { name: "REGION", template: "${values.region}" }],
    });
    expect(parsed.exports).toEqual({ DB_PASSWORD: "${app-db.current.password}", REGION: "${values.region}" });
  });

  it("name the row and field of each mistake: a missing or bad name, a duplicate, a missing value", () => {
    const result = setExportsSchema.safeParse({
      environmentId: ENV,
      rows: [
        { name: "", template: "${values.region}" },
        { name: "9LIVES", template: "x" },
        { name: "A", template: "1" },
        { name: "A", template: "2" },
        { name: "B", template: "" },
      ],
    });
    expect(result.success).toBe(false);
    const errors = Object.fromEntries(result.error!.issues.map((i) => [i.path.join("."), i.message]));
    expect(errors).toEqual({
      "rows.0.name": "Give the variable a name",
      "rows.1.name": "Variable names use letters, digits and _ and do not start with a digit",
      "rows.3.name": "A is already defined above",
      "rows.4.template": "Give the variable a value",
    });
  });
});

describe("saving exported variables", () => {
  it("refuses an unknown rotator or field, naming the variable, and changes nothing", async () => {
    const before = await environment();
    const failure = await setEnvironmentExports(app, {
      actor: TEST_ACTOR,
      environmentId,
      exports: { OK: "${values.region}", DB_PASSWORD: "${app-dv.current.password}", DB_USER: "${app-db.current.user}" },
    }).catch((error) => error);
    expect(failure).toMatchObject({ code: "input:invalid" });
    expect(failure.fieldErrors).toEqual({
      "exports.DB_PASSWORD": "DB_PASSWORD: there is no rotator app-dv.",
      "exports.DB_USER": "DB_USER: app-db credentials have no field user (they have password).",
    });
    const after = await environment();
    expect(after.exports).toEqual(before.exports);
    expect(after.currentRevision).toBe(before.currentRevision);
  });

  it("refuses a bad variable name and a NUL character by the variable, even when the caller skipped the form", async () => {
    const failure = await setEnvironmentExports(app, { actor: TEST_ACTOR, environmentId, exports: { "BAD-NAME": "x", NUL: "a\u0000b" } }).catch((error) => error);
    expect(failure.fieldErrors).toEqual({
      "exports.BAD-NAME": "BAD-NAME: Variable names use letters, digits and _ and do not start with a digit",
      "exports.NUL": "Must not contain NUL characters",
    });
  });

  it("saves a valid set as a new revision", async () => {
    const before = await environment();
    const revision = await setEnvironmentExports(app, {
      actor: TEST_ACTOR,
      environmentId,
      exports: { DB_PASSWORD: "${app-db.current.password}", OLD_PASSWORD: "${app-db.previous.password}", API_KEY: "${values.api_key}", URL: "https://${values.region}.example.com" },
    });
    expect(revision.after).toBe(before.currentRevision + 1);
    const [latest] = await listEnvironmentRevisions({ db: app.db, environmentId, limit: 1 });
    expect(latest).toMatchObject({ revision: revision.after, reason: "exported variables changed", actorLabel: TEST_ACTOR.label });
  });
});

describe("what the page shows", () => {
  it("says what each variable reads and which cannot resolve yet, without a value", async () => {
    const explained = await explainEnvironmentExports(app.db, await environment());
    const byName = Object.fromEntries(explained.map((e) => [e.name, e]));
    expect(byName.DB_PASSWORD).toMatchObject({ reads: [{ source: "app-db.current.password", description: "password of app-db's current credential (password)" }], problem: "app-db has no current credential yet" });
    expect(byName.API_KEY).toMatchObject({ reads: [{ description: "value api_key (secret)" }], problem: null });
    expect(byName.URL).toMatchObject({ reads: [{ description: "value region" }], problem: null });
    expect(JSON.stringify(explained)).not.toContain("canary-api-key");

    await rotateNow(app, { rotatorId, trigger: "user", actor: TEST_ACTOR });
    const once = Object.fromEntries((await explainEnvironmentExports(app.db, await environment())).map((e) => [e.name, e.problem]));
    expect(once).toMatchObject({ DB_PASSWORD: null, OLD_PASSWORD: "app-db has no previous credential yet" });
    await rotateNow(app, { rotatorId, trigger: "user", actor: TEST_ACTOR });
    const twice = Object.fromEntries((await explainEnvironmentExports(app.db, await environment())).map((e) => [e.name, e.problem]));
    expect(twice).toMatchObject({ DB_PASSWORD: null, OLD_PASSWORD: null });
  });

  it("suggests every reference the environment allows", async () => {
    expect(referencePaths(await exportCatalog(app.db, environmentId))).toEqual(["app-db.current.password", "app-db.previous.password", "values.api_key", "values.region"]);
  });
});
