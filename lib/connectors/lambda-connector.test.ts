/**
 * The aws-lambda connector from Rotor's side: @aws-sdk/client-lambda over HTTP to the fake Lambda endpoint
 * (chosen by AWS_ENDPOINT_URL_LAMBDA), which runs the REAL connector handler, which changes passwords on a
 * real password-checking PostgreSQL over TLS. The whole rotator contract runs through it; then what must fail
 * fails clearly (wrong secret, unknown function, no permission, a function that is not Rotor's, a crash, a
 * timeout); then the Pulumi ESC-compatible mode, which rotates but cannot verify.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { installLambda, startFakeAws, type AwsKeyPair, type FakeAws, type LambdaAdmin } from "@/test/support/fake-aws";
import { describeRotatorContract, expectNoSecrets, rotateOnce } from "@/test/support/rotator-contract";
import { createEscTestHandler } from "@/test/support/esc-connector";
import { createHandler } from "@/connector/handler/handler";
import { isRotatorError, type RotatorError } from "../rotators/errors";
import { postgresRotator } from "../rotators/postgres";
import { postgresInputsSchema, type PostgresInputs } from "../rotators/postgres/inputs";
import type { Credential, RotatorContext, RotatorState } from "../rotators/types";
import { createRotorLambdaConnector } from "./lambda-connector";
import { createEscLambdaConnector, ESC_VERIFY_SKIPPED } from "./esc-connector";
import { generateConnectorSecret } from "./signing";

let cluster: PgCluster;
let fake: FakeAws;
let lambda: LambdaAdmin;
let restoreEnv: () => void;
let invoker: AwsKeyPair;
const secret = generateConnectorSecret();
const MANAGER = { username: "lambda_manager", password: "manager-secret-through-lambda" };
const handlerLogs: Record<string, unknown>[] = [];
let functionArn: string;
let seq = 0;

beforeAll(async () => {
  [cluster, fake] = await Promise.all([startPgCluster({ tls: true }), startFakeAws()]);
  lambda = installLambda(fake);
  restoreEnv = fake.useAsDefaultEndpoint(["IAM", "STS", "LAMBDA"]);
  fake.admin.createUser("rotor-invoker", { policy: ["lambda:InvokeFunction"] });
  invoker = fake.admin.seedAccessKey("rotor-invoker");
  functionArn = lambda.registerFunction({ name: "rotor-connector", handler: createHandler({ secrets: [secret], log: (e) => handlerLogs.push(e) }) }).arn;
  await cluster.withSuperuser((c) => c.query(`create role ${MANAGER.username} login createrole password ${pg.escapeLiteral(MANAGER.password)}`));
}, 120_000);

afterAll(async () => {
  restoreEnv?.();
  await fake?.stop();
  await cluster?.stop();
});

const connector = (overrides: Partial<Parameters<typeof createRotorLambdaConnector>[0]> = {}) =>
  createRotorLambdaConnector({ functionName: functionArn, region: "us-east-1", credentials: async () => invoker, secret, sleep: async () => {}, ...overrides });

async function users(): Promise<{ inputs: PostgresInputs; initial: string; cleanup(): Promise<void> }> {
  const n = ++seq;
  const [u1, u2] = [`lambda_app${n}_a`, `lambda_app${n}_b`];
  const initial = `initial-${n}-password`;
  await cluster.withSuperuser(async (c) => {
    for (const u of [u1, u2]) await c.query(`create role ${u} login password ${pg.escapeLiteral(initial)}`);
  });
  const inputs = postgresInputsSchema.parse({
    host: cluster.host,
    port: cluster.port,
    database: "postgres",
    tls: { mode: "require" },
    managing: MANAGER,
    username1: u1,
    username2: u2,
  });
  return {
    inputs,
    initial,
    cleanup: () =>
      cluster.withSuperuser(async (c) => {
        for (const u of [u1, u2]) await c.query(`drop role if exists ${u}`);
      }),
  };
}

const login = (c: Credential | null) => cluster.checkLogin({ username: c!.username!, password: c!.password! });
const ctx = (databaseConnector: RotatorContext["databaseConnector"]): RotatorContext => ({ checkpoint: async () => {}, sleep: async () => {}, databaseConnector });
const empty: RotatorState = { current: null, previous: null };

async function caught(promise: Promise<unknown>): Promise<RotatorError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(isRotatorError(error), `expected a RotatorError, got ${String(error)}`).toBe(true);
  return error as RotatorError;
}

describeRotatorContract("postgres through the aws-lambda connector", { rotator: postgresRotator }, async () => {
  const f = await users();
  return {
    inputs: f.inputs,
    withWrongManagingLogin: (i) => ({ ...i, managing: { ...i.managing, password: `${i.managing.password}-wrong` } }),
    checkLogin: login,
    firstRotation: { username: f.inputs.username1 },
    importedState: { current: { username: f.inputs.username1, password: f.initial }, previous: null },
    context: { databaseConnector: connector(), sleep: async () => {} },
    cleanup: f.cleanup,
  };
});

describe("aws-lambda connector (Rotor's handler)", () => {
  it("really went through Lambda: every call was a signed, verified invocation", () => {
    const calls = lambda.invocations().filter((i) => i.functionArn === functionArn);
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.every((c) => c.status === 200 && !c.functionError)).toBe(true);
    expect(handlerLogs.some((l) => l.op === "rotate" && l.msg === "done")).toBe(true);
    expect(handlerLogs.some((l) => l.msg === "request refused")).toBe(false);
  });

  it("probe: the handler proves it holds the secret", async () => {
    const { details } = await connector().probe();
    expect(details[0]).toMatch(/valid signature/);
    expect(details.join(" ")).toMatch(/refuses plaintext/);
  });

  it("works with the function's name as well as its ARN", async () => {
    await expect(connector({ functionName: "rotor-connector" }).probe()).resolves.toBeDefined();
  });

  it("a wrong secret: the handler refuses, and Rotor says which secret to fix", async () => {
    const error = await caught(connector({ secret: generateConnectorSecret() }).probe());
    expect(error.code).toBe("connector:failed");
    expect(error.message).toMatch(/ROTOR_CONNECTOR_SECRET/);
  });

  it("an unknown function: ResourceNotFoundException becomes a clear error", async () => {
    const error = await caught(connector({ functionName: "arn:aws:lambda:us-east-1:123456789012:function:missing" }).probe());
    expect(error.code).toBe("connector:failed");
    expect(error.message).toMatch(/was not found in us-east-1/);
    const otherRegion = await caught(connector({ region: "eu-west-1", functionName: "rotor-connector" }).probe());
    expect(otherRegion.message).toMatch(/not found in eu-west-1/);
  });

  it("a login without lambda:InvokeFunction: AccessDeniedException becomes permission-denied", async () => {
    fake.admin.createUser("no-invoke", { policy: ["iam:GetUser"] });
    const key = fake.admin.seedAccessKey("no-invoke");
    const error = await caught(connector({ credentials: async () => key }).probe());
    expect(error.code).toBe("auth:permission-denied");
    expect(error.message).toMatch(/lambda:InvokeFunction/);
  });

  it("a function that is not Rotor's connector cannot fake an answer", async () => {
    lambda.registerFunction({ name: "impostor", handler: () => ({ v: 1, body: JSON.stringify({ ok: true, result: { ok: true } }), sig: "forged" }) });
    const error = await caught(connector({ functionName: "impostor" }).verifyLogin({ connection: { dialect: "postgres", host: "db", port: 5432, tls: { mode: "require" } }, user: { username: "u" }, password: "p" }));
    expect(error.code).toBe("connector:failed");
    expect(error.message).toMatch(/valid signature/);
  });

  it("a crashing function (FunctionError) and a timed-out one", async () => {
    lambda.registerFunction({ name: "crashing", handler: () => { throw new TypeError("boom in the handler"); } });
    const crash = await caught(connector({ functionName: "crashing" }).probe());
    expect(crash.code).toBe("connector:failed");
    expect(crash.message).toMatch(/Unhandled: TypeError: boom in the handler/);

    lambda.registerFunction({ name: "slow", timeoutSeconds: 1, handler: () => new Promise((r) => setTimeout(r, 1500)) });
    const slow = await caught(connector({ functionName: "slow" }).probe());
    expect(slow.code).toBe("target:timeout");
    expect(slow.message).toMatch(/timed out/);
  });

  it("errors from inside the VPC come back as the rotator library's errors, without secrets", async () => {
    const f = await users();
    const wrongManaging = { ...f.inputs, managing: { username: MANAGER.username, password: "not-the-manager-password" } };
    const error = await caught(postgresRotator.testConnection({ inputs: wrongManaging, context: ctx(connector()) }));
    expect(error.code).toBe("auth:managing-login-failed");
    expectNoSecrets(error, ["not-the-manager-password", MANAGER.password]);
    await f.cleanup();
  });
});

describe("aws-lambda connector, Pulumi ESC-compatible mode", () => {
  it("rotates through an ESC connector; verification is reported as skipped", async () => {
    const esc = createEscTestHandler();
    const arn = lambda.registerFunction({ name: "esc-connector", handler: esc.handler }).arn;
    const connectorEsc = createEscLambdaConnector({ functionName: arn, region: "us-east-1", credentials: async () => invoker });
    const f = await users();

    const test = await postgresRotator.testConnection({ inputs: f.inputs, context: ctx(connectorEsc) });
    expect(test.details.join("\n")).toMatch(/verify step will be skipped/);
    expect(esc.events.at(-1)).toEqual({ type: "rotor-connection-probe", rotateUser: undefined });

    const first = await rotateOnce(postgresRotator, f.inputs, empty, ctx(connectorEsc));
    expect(await login(first.state.current)).toBe(true);
    const second = await rotateOnce(postgresRotator, f.inputs, first.state, ctx(connectorEsc));
    expect(await login(second.state.current)).toBe(true);
    expect(await login(second.state.previous)).toBe(true);
    expect(esc.events.filter((e) => e.type === "postgres").map((e) => e.rotateUser)).toEqual([f.inputs.username1, f.inputs.username2]);

    await expect(postgresRotator.verify({ inputs: f.inputs, credential: second.state.current!, context: ctx(connectorEsc) })).resolves.toEqual({
      ok: true,
      skipped: ESC_VERIFY_SKIPPED,
    });
    await f.cleanup();
  });

  it("refuses what it cannot honour, and reports the connector's failures", async () => {
    const esc = createEscTestHandler();
    lambda.registerFunction({ name: "esc-2", handler: esc.handler });
    const connectorEsc = createEscLambdaConnector({ functionName: "esc-2", region: "us-east-1", credentials: async () => invoker });
    const connection = { dialect: "postgres" as const, host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "verify-full" as const } };
    const tls = await caught(connectorEsc.setPassword({ connection, managing: MANAGER, user: { username: "x" }, newPassword: "new-secret-pw" }));
    expect(tls.message).toMatch(/cannot verify the database certificate/);
    const host = await caught(
      connectorEsc.setPassword({ connection: { ...connection, dialect: "mysql", tls: { mode: "require" } }, managing: MANAGER, user: { username: "x", host: "10.%" }, newPassword: "new-secret-pw" }),
    );
    expect(host.message).toMatch(/host '%'/);
    const refused = await caught(
      connectorEsc.setPassword({ connection: { ...connection, tls: { mode: "require" } }, managing: { username: MANAGER.username, password: "wrong-esc-password" }, user: { username: "x" }, newPassword: "new-secret-pw" }),
    );
    expect(refused.code).toBe("target:rejected");
    expectNoSecrets(refused, ["wrong-esc-password", "new-secret-pw"]);
    // Rotor's connector in ESC mode (or the other way round) fails clearly.
    const mismatch = await caught(createEscLambdaConnector({ functionName: functionArn, region: "us-east-1", credentials: async () => invoker }).probe());
    expect(mismatch.message).toMatch(/did not answer like a Pulumi ESC connector/);
  });
});
