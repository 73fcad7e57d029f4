/**
 * The rotation engine with login providers and connectors, end to end against real parts: a real store, a real
 * password-checking PostgreSQL (TLS), the fake AWS endpoint (STS + IAM + Lambda over HTTP through the real SDK
 * clients, chosen by AWS_ENDPOINT_URL_*), Rotor's OIDC issuer served over HTTP (the fake STS fetches its JWKS),
 * and the real connector handler running as the fake's Lambda function.
 *
 * - postgres through Rotor's connector, invoked with an OIDC login: rotations keep both credentials working;
 *   a crash at any step resumes through the connector without locking anyone out.
 * - postgres through a Pulumi ESC-compatible connector: rotates; the verify step is recorded as skipped.
 * - aws-iam with an OIDC login: the IAM calls are signed with the role's temporary credentials.
 */
import pg from "pg";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { startIssuerServer, type IssuerServer } from "@/test/support/issuer-server";
import { installLambda, installWebIdentity, startFakeAws, type FakeAws, type LambdaAdmin, type WebIdentityAdmin } from "@/test/support/fake-aws";
import { createEscTestHandler } from "@/test/support/esc-connector";
import { createHandler } from "@/connector/handler/handler";
import { createEnvironment } from "../environments/service";
import { createRotator, testRotatorConnection, updateRotator } from "./rotator-service";
import { rotateNow, startRotation, SimulatedCrash, type StepName } from "./engine";
import { createLoginProvider, getLoginProviderView, issuerSettings, loginSetup } from "../aws-logins/service";
import { createConnector, testConnector } from "../connectors/service";
import { getRotatorById } from "../db/queries/rotators";
import { listStepsByRun } from "../db/queries/runs";
import { decryptSecretInputs } from "./rotator-records";
import { loadState } from "../environments/rotator-state";
import { ESC_VERIFY_SKIPPED } from "../connectors/esc-connector";
import type { RotatorState } from "../rotators/types";

let cluster: PgCluster;
let app: TestApp;
let fake: FakeAws;
let lambda: LambdaAdmin;
let identity: WebIdentityAdmin;
let issuer: IssuerServer;
let restoreEnv: () => void;
let environmentId: string;
let connectorId: string;
let escConnectorId: string;
let iamLoginId: string;
let connectorSecret: string;
const MANAGING = { username: "engine_manager", password: "engine-manager-password" };
const LEASE_MS = 300;
let counter = 0;

async function oidcLogin(name: string, policy: "*" | string[]) {
  const row = await createLoginProvider(app, {
    actor: TEST_ACTOR,
    form: { kind: "oidc", name, region: "us-east-1", roleArn: `arn:aws:iam::${fake.accountId}:role/${name}` },
  });
  const setup = loginSetup((await getLoginProviderView(app, row.id))!)!;
  identity.createRole({ roleName: name, trustPolicy: setup.trustPolicy, policy });
  return row.id;
}

beforeAll(async () => {
  [cluster, app, fake] = await Promise.all([startPgCluster({ tls: true }), openTestApp("pglite"), startFakeAws()]);
  issuer = await startIssuerServer(app, { tokenTtlSeconds: 300, rotationDays: 30 });
  // Rotor's public URL (lib/env.ts) is this test's issuer: the engine mints tokens for it.
  process.env.ROTOR_PUBLIC_URL = issuer.url;
  expect(issuerSettings().issuerUrl).toBe(issuer.url);
  identity = installWebIdentity(fake);
  lambda = installLambda(fake);
  identity.createOidcProvider({ url: issuer.url, clientIds: ["sts.amazonaws.com"] });
  restoreEnv = fake.useAsDefaultEndpoint(["IAM", "STS", "LAMBDA"]);

  const invokeLogin = await oidcLogin("rotor-invoker", ["lambda:InvokeFunction"]);
  const created = await createConnector(app, {
    actor: TEST_ACTOR,
    form: { name: "vpc-db", mode: "rotor", functionArn: `arn:aws:lambda:us-east-1:${fake.accountId}:function:rotor-connector`, region: "us-east-1", loginProviderId: invokeLogin },
  });
  connectorId = created.connector.id;
  connectorSecret = created.secret!;
  // The Lambda holds the secret Rotor showed once.
  lambda.registerFunction({ name: "rotor-connector", handler: createHandler({ secrets: [connectorSecret], log: () => {} }) });

  const esc = await createConnector(app, {
    actor: TEST_ACTOR,
    form: { name: "esc-db", mode: "esc", functionArn: "esc-connector", region: "us-east-1", loginProviderId: invokeLogin },
  });
  expect(esc.secret).toBeNull();
  escConnectorId = esc.connector.id;
  lambda.registerFunction({ name: "esc-connector", handler: createEscTestHandler().handler });

  iamLoginId = await oidcLogin("rotor-iam-manager", "*");
  await cluster.withSuperuser((c) => c.query(`create role ${MANAGING.username} login createrole password ${pg.escapeLiteral(MANAGING.password)}`));
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "vpc", description: "" })).id;
}, 120_000);

afterAll(async () => {
  restoreEnv?.();
  await issuer?.stop();
  await fake?.stop();
  await app?.destroy();
  await cluster?.stop();
});

async function newPostgresRotator(through: string, options: { importCurrent?: boolean } = {}) {
  counter += 1;
  const [u1, u2] = [`vpc_app${counter}_a`, `vpc_app${counter}_b`];
  await cluster.withSuperuser(async (c) => {
    for (const u of [u1, u2]) await c.query(`create role ${u} login password ${pg.escapeLiteral(`initial-${u}`)}`);
  });
  return createRotator(app, {
    actor: TEST_ACTOR,
    environmentId,
    name: `db${counter}`,
    type: "postgres",
    connectorId: through,
    inputs: { host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "require" }, managing: MANAGING, username1: u1, username2: u2 },
    importState: options.importCurrent ? { current: { username: u1, password: `initial-${u1}` } } : undefined,
  });
}

async function stateOf(rotatorId: string): Promise<RotatorState> {
  return loadState(app.keyring, (await getRotatorById({ db: app.db, id: rotatorId }))!);
}

async function expectBothWork(state: RotatorState) {
  for (const c of [state.current, state.previous]) {
    if (c) expect(await cluster.checkLogin({ username: c.username, password: c.password }), `${c.username} logs in`).toBe(true);
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("engine + aws-lambda connector (Rotor's handler, OIDC login)", () => {
  it("tests the connector and a new rotator's connection through it", async () => {
    const { details } = await testConnector(app, { actor: TEST_ACTOR, connectorId });
    expect(details[0]).toMatch(/valid signature/);
    counter += 1;
    const [u1, u2] = [`vpc_test${counter}_a`, `vpc_test${counter}_b`];
    await cluster.withSuperuser(async (c) => {
      for (const u of [u1, u2]) await c.query(`create role ${u} login password 'p-${u}'`);
    });
    const result = await testRotatorConnection(app, {
      type: "postgres",
      inputs: { host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "require" }, managing: MANAGING, username1: u1, username2: u2 },
      connectorId,
      environmentId,
      name: "new-db",
    });
    expect(result!.details[0]).toMatch(/Logged in to PostgreSQL 15/);
    // The connector's Lambda was invoked with the invoker role's temporary credentials, for this rotator.
    expect(identity.exchanges().some((e) => e.outcome === "ok" && e.subject === "rotor:vpc:new-db" && e.roleArn.endsWith("role/rotor-invoker"))).toBe(true);
  });

  it("rotates through the connector, alternating users and keeping both credentials working", async () => {
    const rotator = await newPostgresRotator(connectorId, { importCurrent: true });
    const invocationsBefore = lambda.invocations().length;
    for (let i = 0; i < 2; i++) {
      const before = await stateOf(rotator.id);
      const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
      expect(outcome, outcome.errorMessage ?? "").toMatchObject({ status: "succeeded" });
      const after = await stateOf(rotator.id);
      expect(after.previous).toEqual(before.current);
      await expectBothWork(after);
      const steps = await listStepsByRun({ db: app.db, runId: outcome.runId });
      expect(steps.map((s) => [s.name, s.status])).toContainEqual(["verify", "succeeded"]);
    }
    // set + verify, twice: a fresh run does not try its new password before setting it.
    expect(lambda.invocations().length - invocationsBefore).toBe(4);
    // Nothing Rotor stored in plain columns holds the connector secret or a password.
    const dump = JSON.stringify(await app.db.execute(sql`select * from connectors, rotation_runs, rotation_steps, audit_events, settings`));
    expect(dump).not.toContain(connectorSecret);
    const state = await stateOf(rotator.id);
    expect(dump).not.toContain(state.current!.password);
  });

  const crashPoints: (StepName | "checkpoint")[] = ["persist pending", "apply", "verify"];
  it.each(crashPoints)("resumes through the connector after a crash at %s, never locking out current", async (crashAt) => {
    const rotator = await newPostgresRotator(connectorId, { importCurrent: true });
    await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
    const before = await stateOf(rotator.id);
    const { runId, completion } = await startRotation(
      app,
      { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR },
      { leaseTtlMs: LEASE_MS, hooks: { afterStep: (step) => { if (step === crashAt) throw new SimulatedCrash(step); } } },
    );
    await expect(completion).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await stateOf(rotator.id)).toEqual(before);
    expect(await cluster.checkLogin({ username: before.current!.username, password: before.current!.password })).toBe(true);
    await wait(LEASE_MS + 100);
    const invocationsBefore = lambda.invocations().length;
    const resumed = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
    expect(resumed).toMatchObject({ runId, status: "succeeded" });
    expect(lambda.invocations().length).toBeGreaterThan(invocationsBefore);
    const after = await stateOf(rotator.id);
    expect(after.previous).toEqual(before.current);
    await expectBothWork(after);
  });

  it("a connector whose Lambda lost the secret fails the run clearly, changes nothing, and recovers", async () => {
    const rotator = await newPostgresRotator(connectorId, { importCurrent: true });
    const before = await stateOf(rotator.id);
    lambda.registerFunction({ name: "rotor-connector", handler: createHandler({ secrets: ["rotor_cs_some-other-secret-entirely-0000000000000000"], log: () => {} }) });
    try {
      const failed = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
      expect(failed).toMatchObject({ status: "failed", errorCode: "connector:failed" });
      expect(failed.errorMessage).toMatch(/ROTOR_CONNECTOR_SECRET/);
      expect(await stateOf(rotator.id)).toEqual(before);
      await expectBothWork(before);
    } finally {
      lambda.registerFunction({ name: "rotor-connector", handler: createHandler({ secrets: [connectorSecret], log: () => {} }) });
    }
    expect((await rotateNow(app, { rotatorId: rotator.id, trigger: "retry", actor: TEST_ACTOR })).status).toBe("succeeded");
  });
});

describe("engine + Pulumi ESC-compatible connector", () => {
  it("rotates; the verify step is recorded as skipped with the reason", async () => {
    const rotator = await newPostgresRotator(escConnectorId);
    for (let i = 0; i < 2; i++) {
      const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
      expect(outcome, outcome.errorMessage ?? "").toMatchObject({ status: "succeeded" });
      const steps = await listStepsByRun({ db: app.db, runId: outcome.runId });
      const verify = steps.find((s) => s.name === "verify")!;
      expect(verify.status).toBe("skipped");
      expect(verify.message).toBe(`Verification skipped: ${ESC_VERIFY_SKIPPED}`);
    }
    // Rotor did not verify, so the test does: both credentials work.
    await expectBothWork(await stateOf(rotator.id));
  });
});

describe("engine + aws-iam rotator with an OIDC login", () => {
  it("rotates the user's keys with the role's temporary credentials", async () => {
    fake.admin.createUser("oidc-app");
    const initial = fake.admin.seedAccessKey("oidc-app");
    const rotator = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: "iam-app",
      type: "aws-iam",
      loginProviderId: iamLoginId,
      inputs: { region: "us-east-1", userName: "oidc-app" },
      importState: { current: { accessKeyId: initial.accessKeyId, secretAccessKey: initial.secretAccessKey } },
    });
    fake.admin.clearCalls();
    const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR }, { rotatorContext: { sleep: async () => {} } });
    expect(outcome, outcome.errorMessage ?? "").toMatchObject({ status: "succeeded" });
    const state = await stateOf(rotator.id);
    expect(state.previous).toEqual({ accessKeyId: initial.accessKeyId, secretAccessKey: initial.secretAccessKey });
    expect(state.current!.accessKeyId).not.toBe(initial.accessKeyId);
    expect(fake.admin.listAccessKeys("oidc-app").map((k) => k.accessKeyId).sort()).toEqual([initial.accessKeyId, state.current!.accessKeyId].sort());
    // Every IAM call was signed by the assumed role's session key (ASIA…), none by a long-lived key.
    const iamCalls = fake.admin.calls().filter((c) => c.service === "iam");
    expect(iamCalls.length).toBeGreaterThan(2);
    expect(iamCalls.every((c) => c.accessKeyId?.startsWith("ASIA"))).toBe(true);
    expect(identity.exchanges().some((e) => e.outcome === "ok" && e.subject === "rotor:vpc:iam-app" && e.roleArn.endsWith("role/rotor-iam-manager"))).toBe(true);

  });

  it("switches a rotator from static keys in its inputs to a login provider, dropping the stored keys", async () => {
    fake.admin.createUser("switch-app");
    const rotator = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: "iam-switch",
      type: "aws-iam",
      inputs: { region: "us-east-1", userName: "switch-app", login: { kind: "static", ...fake.adminCredentials } },
    });
    // The form sends the inputs without the static login once a login provider is chosen.
    await updateRotator(app, { actor: TEST_ACTOR, rotatorId: rotator.id, name: "iam-switch", inputs: { region: "us-east-1", userName: "switch-app" }, loginProviderId: iamLoginId });
    const row = (await getRotatorById({ db: app.db, id: rotator.id }))!;
    expect(row.loginProviderId).toBe(iamLoginId);
    expect(decryptSecretInputs(app.keyring, row)).toEqual({});
    fake.admin.clearCalls();
    const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR }, { rotatorContext: { sleep: async () => {} } });
    expect(outcome, outcome.errorMessage ?? "").toMatchObject({ status: "succeeded" });
    expect(fake.admin.calls().filter((c) => c.service === "iam").every((c) => c.accessKeyId?.startsWith("ASIA"))).toBe(true);
    // And back to direct keys: clearing the login provider without keys leaves nothing to log in with.
    await updateRotator(app, { actor: TEST_ACTOR, rotatorId: rotator.id, name: "iam-switch", inputs: { region: "us-east-1", userName: "switch-app" }, loginProviderId: null });
    const failed = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR }, { rotatorContext: { sleep: async () => {} } });
    expect(failed).toMatchObject({ status: "failed", errorCode: "input:invalid" });
    expect(failed.errorMessage).toMatch(/No AWS login configured/);
  });

  it("refuses a login provider on a database rotator and a connector on an aws-iam rotator", async () => {
    await expect(
      createRotator(app, { actor: TEST_ACTOR, environmentId, name: "wrong1", type: "postgres", loginProviderId: iamLoginId, inputs: {} }),
    ).rejects.toThrow(/Only aws-iam rotators use a login provider/);
    await expect(
      createRotator(app, { actor: TEST_ACTOR, environmentId, name: "wrong2", type: "aws-iam", connectorId, inputs: { userName: "x" } }),
    ).rejects.toThrow(/Only postgres and mysql rotators use a connector/);
  });
});
