/**
 * ESC import and export against real stores and real servers: the two-file managing-credentials split with
 * state verified on MariaDB, a state that does not work (nothing created, not even the login of the same
 * import), the round trip export → import into a fresh Rotor (same rotators, inputs and states; PostgreSQL
 * state verified on a SCRAM cluster), and the REST door (admin only; lower roles and scopes change nothing).
 */
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { connectMysqlAdmin, type MysqlAdmin } from "@/test/support/mysql-admin";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { callApi, personalToken, serviceToken } from "@/test/support/api-client";
import { importEsc } from "./import";
import { exportEsc } from "./export";
import { createEnvironment, setEnvironmentExports, setEnvironmentValue } from "../environments/service";
import { createRotator } from "../rotation/rotator-service";
import { createLoginProvider } from "../aws-logins/service";
import { rotateNow } from "../rotation/engine";
import { getEnvironmentByName, listEnvironmentValues } from "../db/queries/environments";
import { listRotatorsByEnvironment } from "../db/queries/rotators";
import { listLoginProviders } from "../db/queries/login-providers";
import { listConnectors } from "../db/queries/connectors";
import { loadInputs } from "../rotation/rotator-records";
import { loadState } from "../environments/rotator-state";
import { buildEnvironmentDocument } from "../environments/revisions";
import { exportEscRoute, importEscRoute } from "../api/routes/esc";
import type { AppContext } from "../app-context";

const fixtures = path.resolve(__dirname, "../../test/fixtures/esc");
const read = (file: string) => fs.readFileSync(path.join(fixtures, file), "utf8");

let mysql: MysqlAdmin;
let cluster: PgCluster;
const apps: TestApp[] = [];
const open = async () => {
  const app = await openTestApp("pglite");
  apps.push(app);
  return app;
};

beforeAll(async () => {
  [mysql, cluster] = await Promise.all([connectMysqlAdmin(), startPgCluster()]);
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.destroy()));
  await mysql?.dropAll();
  await cluster?.stop();
});

/** Everything an import could create. */
async function fingerprint(app: AppContext): Promise<string> {
  const q = async (query: ReturnType<typeof sql>) => JSON.stringify(((await app.db.execute(query)) as unknown as { rows: unknown[] }).rows);
  return [
    await q(sql`select name from environments order by name`),
    await q(sql`select count(*) from environment_values`),
    await q(sql`select name from rotators order by name`),
    await q(sql`select name from login_providers order by name`),
    await q(sql`select name from connectors order by name`),
    await q(sql`select count(*) from environment_revisions`),
  ].join("\n");
}

/** The ESC docs' two files, with the mysql rotator pointed at the test server and real passwords. */
async function mysqlSplit(options: { currentPassword?: string } = {}) {
  const managing = await mysql.createUser({ password: "managing-pw-1", grants: ["CREATE USER ON *.*"] });
  const user1 = await mysql.createUser({ password: "user1-pw-current" });
  const user2 = await mysql.createUser({ password: "user2-pw-previous" });
  const credentials = read("managingCredentials.yaml").replace("managing_user", managing.username).replace("managing-password-from-docs", managing.password);
  const rotator = read("mysql-direct.yaml")
    .replace("host: mysql.example.com", `host: ${mysql.host}`)
    .replace("port: 3306", `port: ${mysql.port}`)
    .replace(/\n\s*database: rotator_example_db/, "")
    .replace(/username1: user1/, `username1: ${user1.username}`)
    .replace(/username2: user2/, `username2: ${user2.username}`)
    .replace("username: user1", `username: ${user1.username}`)
    .replace("username: user2", `username: ${user2.username}`)
    .replace("current-password", options.currentPassword ?? user1.password)
    .replace("previous-password", user2.password)
    .replace("values:\n  dbRotator:", "values:\n  # rotor: {\"tls\":{\"mode\":\"disable\"}}\n  dbRotator:");
  return { files: [{ file: "managingCredentials.yaml", content: credentials }, { file: "mysql-direct.yaml", content: rotator, environment: `esc/mysql-${user1.username}` }], managing, user1, user2 };
}

describe("ESC import", () => {
  it("previews without creating anything, then creates the two environments with the state verified on MariaDB", async () => {
    const app = await open();
    const { files, managing, user1, user2 } = await mysqlSplit();
    const before = await fingerprint(app);
    const preview = await importEsc(app, { actor: TEST_ACTOR, files, dryRun: true });
    expect(preview.problems).toEqual([]);
    expect(preview).toMatchObject({ ok: true, created: false });
    expect(await fingerprint(app)).toBe(before);
    // The preview names what it would create, never a secret.
    expect(JSON.stringify(preview)).not.toContain(managing.password);
    expect(JSON.stringify(preview)).not.toContain(user1.password);
    expect(preview.environments[1].rotators[0]).toMatchObject({ name: "dbRotator", type: "mysql", secretInputs: ["managing.password"], state: { current: { username: user1.username }, previous: { username: user2.username } } });
    expect(preview.notes.map((n) => n.message)).toContain("verified the way its rotations will reach the target: the imported credentials work");

    const created = await importEsc(app, { actor: TEST_ACTOR, files, dryRun: false });
    expect(created).toMatchObject({ ok: true, created: true });
    const env = (await getEnvironmentByName({ db: app.db, name: files[1].environment! }))!;
    const [rotator] = await listRotatorsByEnvironment({ db: app.db, environmentId: env.id });
    expect(loadInputs(app.keyring, rotator)).toMatchObject({ host: mysql.host, tls: { mode: "disable" }, managing: { username: managing.username, password: managing.password }, username1: user1.username });
    expect(loadState(app.keyring, rotator)).toEqual({ current: { username: user1.username, password: user1.password }, previous: { username: user2.username, password: user2.password } });
    expect(rotator.inputs).not.toHaveProperty("managing.password");
    const credentials = (await getEnvironmentByName({ db: app.db, name: "managingCredentials" }))!;
    const values = await listEnvironmentValues({ db: app.db, environmentId: credentials.id });
    expect(values.map((v) => [v.key, v.secret, v.plainValue])).toEqual([["managingUser.password", true, null], ["managingUser.username", false, managing.username]]);
    expect((await listLoginProviders({ db: app.db })).map((l) => [l.name, l.kind])).toEqual([["managingCredentials awsLogin", "oidc"]]);
    const { rows } = (await app.db.execute(sql`select action, target_label, details from audit_events where action in ('environment.imported', 'aws-login.created') order by id`)) as unknown as { rows: { action: string; details: unknown }[] };
    expect(rows.map((r) => r.action)).toEqual(["aws-login.created", "environment.imported", "environment.imported"]);
    expect(JSON.stringify(rows)).not.toContain(managing.password);

    // Importing the same files again: the environments exist, so nothing is created (not even a second login).
    const again = await fingerprint(app);
    await expect(importEsc(app, { actor: TEST_ACTOR, files, dryRun: false })).rejects.toThrow(/Nothing was imported: 2 problems .*An environment named managingCredentials already exists/);
    expect(await fingerprint(app)).toBe(again);
  });

  it("a state that does not work fails the whole import: no environment, no value, no login", async () => {
    const app = await open();
    const { files, user1 } = await mysqlSplit({ currentPassword: "not-the-password" });
    const before = await fingerprint(app);
    const preview = await importEsc(app, { actor: TEST_ACTOR, files, dryRun: true });
    expect(preview.ok).toBe(false);
    expect(preview.problems).toEqual([expect.objectContaining({ file: "mysql-direct.yaml", line: 4, path: "values.dbRotator.state", message: expect.stringMatching(/^The imported current credential does not work/) })]);
    const error = await importEsc(app, { actor: TEST_ACTOR, files, dryRun: false }).catch((e) => e);
    expect(error.message).toMatch(/^Nothing was imported: 1 problem to fix first\. mysql-direct\.yaml:4 values\.dbRotator\.state: The imported current credential does not work/);
    expect(error.message).not.toContain("not-the-password");
    expect(error.fieldErrors).toEqual({ "mysql-direct.yaml:4 values.dbRotator.state": expect.any(String) });
    expect(await fingerprint(app)).toBe(before);
    expect(await mysql.checkLogin({ username: user1.username, password: user1.password })).toBe(true);
  });
});

describe("ESC export → import into a fresh Rotor", () => {
  it("gives the same rotators, inputs, states, values and exported variables", async () => {
    const source = await open();
    const env = await createEnvironment(source, { actor: TEST_ACTOR, name: "prod/app", description: "the app" });
    await setEnvironmentValue(source, { actor: TEST_ACTOR, environmentId: env.id, key: "region", value: "eu-west-1", secret: false });
    await setEnvironmentValue(source, { actor: TEST_ACTOR, environmentId: env.id, key: "api.key", value: "api-key-value-123", secret: true });

    const managing = await mysql.createUser({ password: "rt-managing-pw", grants: ["CREATE USER ON *.*"] });
    const m1 = await mysql.createUser({ password: "rt-m1-password" });
    const m2 = await mysql.createUser({ password: "rt-m2-password" });
    await createRotator(source, {
      actor: TEST_ACTOR,
      environmentId: env.id,
      name: "mysql_db",
      type: "mysql",
      inputs: { host: mysql.host, port: mysql.port, tls: { mode: "disable" }, managing: { username: managing.username, password: managing.password }, username1: m1.username, username2: m2.username, passwordRules: { length: 24, symbols: false }, timeoutMs: 5000 },
      importState: { current: { username: m1.username, password: m1.password } },
    });
    const pgUsers = ["rt_pg_user1", "rt_pg_user2", "rt_pg_manager"];
    await cluster.withSuperuser(async (c) => {
      for (const name of pgUsers) await c.query(`CREATE ROLE ${pg.escapeIdentifier(name)} LOGIN PASSWORD ${pg.escapeLiteral(`${name}-pw`)}`);
    });
    await createRotator(source, {
      actor: TEST_ACTOR,
      environmentId: env.id,
      name: "pg_db",
      type: "postgres",
      inputs: { host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "disable" }, managing: { username: "rt_pg_manager", password: "rt_pg_manager-pw" }, username1: "rt_pg_user1", username2: "rt_pg_user2" },
      importState: { current: { username: "rt_pg_user2", password: "rt_pg_user2-pw" }, previous: { username: "rt_pg_user1", password: "rt_pg_user1-pw" } },
    });
    const signing = await createRotator(source, { actor: TEST_ACTOR, environmentId: env.id, name: "signing", type: "password", inputs: { passwordRules: { length: 40, digits: false, minDigits: 0 } } });
    await rotateNow(source, { rotatorId: signing.id, trigger: "user", actor: TEST_ACTOR });
    await rotateNow(source, { rotatorId: signing.id, trigger: "user", actor: TEST_ACTOR });
    await createRotator(source, { actor: TEST_ACTOR, environmentId: env.id, name: "words", type: "passphrase", inputs: { length: 6, separator: ".", capitalize: true, digits: 3 } });
    const login = await createLoginProvider(source, { actor: TEST_ACTOR, form: { kind: "oidc", name: "iam manager", region: "us-east-1", roleArn: "arn:aws:iam::123456789012:role/rotor-iam", durationSeconds: "1800" } });
    await createRotator(source, { actor: TEST_ACTOR, environmentId: env.id, name: "iam", type: "aws-iam", inputs: { region: "eu-west-1", userName: "arn:aws:iam::123456789012:user/app", verifyTimeoutSeconds: 90 }, loginProviderId: login.id });
    await createRotator(source, {
      actor: TEST_ACTOR,
      environmentId: env.id,
      name: "adapter_creds",
      type: "external",
      inputs: { url: "https://adapter.example.com/rotate", request: { service: "billing", keys: ["key1", "key2"] }, requiredKeys: ["secret"], timeoutMs: 5000 },
      importState: { current: { keyId: "key1", secret: "adapter-secret-1" } },
    });
    await setEnvironmentExports(source, { actor: TEST_ACTOR, environmentId: env.id, exports: { DB_URL: "mysql://${mysql_db.current.username}:${mysql_db.current.password}@db/${values.region}", SIGNING: "${signing.current.password}" } });

    const withSecrets = await exportEsc(source, { actor: TEST_ACTOR, environment: (await getEnvironmentByName({ db: source.db, name: "prod/app" }))!, showSecrets: true });
    expect(withSecrets.yaml).toContain("fn::rotate::mysql:");
    expect(withSecrets.yaml).toContain('# rotor: {"tls":{"mode":"disable"},"passwordRules":');
    expect(withSecrets.yaml).toContain("fn::open::aws-login:");
    expect(withSecrets.yaml).toContain("DB_URL: mysql://${mysql_db.current.username}:${mysql_db.current.password}@db/${region}");

    const target = await open();
    const imported = await importEsc(target, { actor: TEST_ACTOR, files: [{ file: "app.yaml", content: withSecrets.yaml, environment: "prod/app" }], dryRun: false });
    expect(imported.problems).toEqual([]);

    const snapshot = async (app: TestApp) => {
      const e = (await getEnvironmentByName({ db: app.db, name: "prod/app" }))!;
      const rotators = await listRotatorsByEnvironment({ db: app.db, environmentId: e.id });
      const document = await app.db.transaction((tx) => buildEnvironmentDocument({ tx, keyring: app.keyring, environmentId: e.id }));
      return {
        description: e.description,
        rotators: Object.fromEntries(rotators.map((r) => [r.name, { type: r.type, inputs: loadInputs(app.keyring, r), state: loadState(app.keyring, r), bound: Boolean(r.loginProviderId) }])),
        values: document.values,
        exports: document.exports,
      };
    };
    const [before, after] = [await snapshot(source), await snapshot(target)];
    expect(after).toEqual(before);
    expect(Object.keys(after.rotators).sort()).toEqual(["adapter_creds", "iam", "mysql_db", "pg_db", "signing", "words"]);
    expect(withSecrets.yaml).toContain("fn::rotate::external:");
    expect(after.rotators.signing.state.previous).not.toBeNull();
  });

  it("without --show-secrets: no secret value, secret input or state in the file, and the export is audited", async () => {
    const app = await open();
    const env = await createEnvironment(app, { actor: TEST_ACTOR, name: "quiet", description: "" });
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: "token", value: "top-secret-token-value", secret: true });
    await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId: env.id,
      name: "iam",
      type: "aws-iam",
      inputs: { region: "us-east-1", userName: "app", login: { kind: "static", accessKeyId: "AKIAMANAGING00000009", secretAccessKey: "managing-secret-never-exported" } },
    });
    const signing = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "signing", type: "password", inputs: {} });
    await rotateNow(app, { rotatorId: signing.id, trigger: "user", actor: TEST_ACTOR });
    const state = loadState(app.keyring, (await listRotatorsByEnvironment({ db: app.db, environmentId: env.id })).find((r) => r.name === "signing")!);
    const out = await exportEsc(app, { actor: TEST_ACTOR, environment: (await getEnvironmentByName({ db: app.db, name: "quiet" }))!, showSecrets: false });
    for (const secret of ["top-secret-token-value", "managing-secret-never-exported", state.current!.password]) expect(out.yaml).not.toContain(secret);
    expect(out.omitted).toEqual(expect.arrayContaining(["the secret value token", "the secret inputs of iam (login.secretAccessKey)", "the state of signing"]));
    expect(out.yaml).toMatch(/^# Pulumi ESC definition of the Rotor environment quiet/);
    expect(out.yaml).toContain("#   - the state of signing");
    const { rows } = (await app.db.execute(sql`select details from audit_events where action = 'environment.exported'`)) as unknown as { rows: { details: unknown }[] };
    expect(rows.map((r) => r.details)).toEqual([{ format: "pulumi-esc", showSecrets: false }]);
  });
});

describe("the REST door", () => {
  it("imports only for admins (a lower role or scope, or an admin token limited to environments, changes nothing); secrets in an export only for admins", async () => {
    const app = await open();
    const files = [{ file: "pw.yaml", content: read("password.yaml") }];
    const other = await createEnvironment(app, { actor: TEST_ACTOR, name: "other", description: "" });
    const tokens = {
      admin: await personalToken(app, "admin@example.com", "admin"),
      operator: await personalToken(app, "operator@example.com", "operator"),
      viewer: await personalToken(app, "viewer@example.com", "viewer"),
      rotate: (await serviceToken(app, "bot", "rotate", null)).token,
      limitedAdmin: (await serviceToken(app, "limited", "admin", [other.id])).token,
      admin2: (await serviceToken(app, "ci-admin", "admin", null)).token,
    };
    const before = await fingerprint(app);
    for (const token of [tokens.operator, tokens.viewer, tokens.rotate, tokens.limitedAdmin, null]) {
      const response = await callApi(app, importEscRoute, { token, body: { files } });
      expect([401, 403]).toContain(response.status);
    }
    expect(await fingerprint(app)).toBe(before);

    const dry = await callApi(app, importEscRoute, { token: tokens.admin2, body: { files, dryRun: true } });
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({ ok: true, created: false, environments: [{ name: "pw" }] });
    expect(await fingerprint(app)).toBe(before);
    const bad = await callApi(app, importEscRoute, { token: tokens.admin, body: { files: [{ file: "c.yaml", content: read("ciphertext.yaml") }] } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors).toEqual({ "c.yaml:5 values.managingUser.password": expect.stringContaining("--definition --show-secrets") });
    expect(await fingerprint(app)).toBe(before);

    const created = await callApi(app, importEscRoute, { token: tokens.admin, body: { files } });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ created: true });
    expect((await listConnectors({ db: app.db })).length).toBe(0);

    const plain = await callApi(app, exportEscRoute, { token: tokens.viewer, params: { name: "pw" } });
    expect(plain.status).toBe(200);
    expect((await plain.json()).yaml).toContain("fn::rotate::passphrase:");
    for (const token of [tokens.viewer, tokens.operator, tokens.rotate]) {
      const refused = await callApi(app, exportEscRoute, { token, params: { name: "pw" }, query: { showSecrets: "true" } });
      expect(refused.status).toBe(403);
    }
    const denied = (await app.db.execute(sql`select count(*)::int as n from audit_events where action = 'permission.denied'`)) as unknown as { rows: { n: number }[] };
    expect(denied.rows[0].n).toBeGreaterThanOrEqual(3);
    const full = await callApi(app, exportEscRoute, { token: tokens.admin, params: { name: "pw" }, query: { showSecrets: "true" } });
    expect(full.status).toBe(200);
    expect((await full.json()).yaml).toContain("fn::secret: Mouth%Purebred%Headstone%Plausibly");
  });
});
