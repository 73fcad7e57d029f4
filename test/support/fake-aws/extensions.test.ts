/**
 * The fake's STS AssumeRoleWithWebIdentity (with IAM OIDC providers and roles) and Lambda APIs, through the real
 * SDK clients, against what AWS documents — so tests that rely on them rely on AWS's rules, not on a stub.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, GetUserCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installLambda, installWebIdentity, startFakeAws, type AwsKeyPair, type FakeAws, type LambdaAdmin, type WebIdentityAdmin } from "./index";

let fake: FakeAws;
let identity: WebIdentityAdmin;
let lambda: LambdaAdmin;
let issuer: { url: string; server: http.Server };
let privateKey: CryptoKey;
let publicJwk: JWK;

type Creds = AwsKeyPair & { sessionToken?: string };
const sts = (credentials?: Creds) => new STSClient({ region: "us-east-1", endpoint: fake.url, maxAttempts: 1, ...(credentials ? { credentials } : {}) });
const iam = (credentials: Creds) => new IAMClient({ region: "us-east-1", endpoint: fake.url, credentials, maxAttempts: 1 });
const lambdaClient = (credentials: Creds, region = "us-east-1") => new LambdaClient({ region, endpoint: fake.url, credentials, maxAttempts: 1 });

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error("expected the call to fail");
}

async function token(claims: { sub?: string; aud?: string; iss?: string; exp?: number } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setIssuer(claims.iss ?? issuer.url)
    .setSubject(claims.sub ?? "repo:rotor:main")
    .setAudience(claims.aud ?? "sts.amazonaws.com")
    .setIssuedAt(now)
    .setExpirationTime(claims.exp ?? now + 300)
    .sign(privateKey);
}

const host = () => issuer.url.replace("http://", "");
const trust = (sub = "repo:rotor:*") =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${host()}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${host()}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${host()}:sub`]: sub } },
      },
    ],
  });

const assume = (webToken: string, extra: { RoleArn?: string; DurationSeconds?: number; RoleSessionName?: string } = {}) =>
  sts().send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: extra.RoleArn ?? "arn:aws:iam::123456789012:role/ci",
      RoleSessionName: extra.RoleSessionName ?? "session-1",
      WebIdentityToken: webToken,
      ...(extra.DurationSeconds ? { DurationSeconds: extra.DurationSeconds } : {}),
    }),
  );

beforeAll(async () => {
  fake = await startFakeAws();
  identity = installWebIdentity(fake);
  lambda = installLambda(fake);
  const pair = await generateKeyPair("ES256");
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  const server = http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/openid-configuration") res.end(JSON.stringify({ issuer: issuer.url, jwks_uri: `${issuer.url}/keys` }));
    else if (req.url === "/keys") res.end(JSON.stringify({ keys: [publicJwk] }));
    else res.writeHead(404).end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  issuer = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  // Set up through the IAM API, as an administrator would.
  await iam(fake.adminCredentials).send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ["sts.amazonaws.com"] }));
  const role = await iam(fake.adminCredentials).send(new CreateRoleCommand({ RoleName: "ci", AssumeRolePolicyDocument: trust() }));
  expect(role.Role?.Arn).toBe("arn:aws:iam::123456789012:role/ci");
  await iam(fake.adminCredentials).send(
    new PutRolePolicyCommand({ RoleName: "ci", PolicyName: "read", PolicyDocument: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["iam:GetUser"] }] }) }),
  );
});

afterAll(async () => {
  await fake?.stop();
  await new Promise((r) => issuer?.server.close(r));
});

describe("fake STS: AssumeRoleWithWebIdentity", () => {
  it("issues temporary credentials that act as the assumed role, with its permissions", async () => {
    const out = await assume(await token());
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/ci/session-1");
    expect(out.SubjectFromWebIdentityToken).toBe("repo:rotor:main");
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const credentials = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    expect((await sts(credentials).send(new GetCallerIdentityCommand({}))).Arn).toBe(out.AssumedRoleUser?.Arn);
    fake.admin.createUser("someone");
    expect((await iam(credentials).send(new GetUserCommand({ UserName: "someone" }))).User?.UserName).toBe("someone");
    expect(await failure(iam(credentials).send(new PutRolePolicyCommand({ RoleName: "ci", PolicyName: "x", PolicyDocument: "{}" })))).toMatchObject({
      code: "AccessDenied",
      status: 403,
    });
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(3500_000);
  });

  it("validates parameters like STS", async () => {
    expect(await failure(assume(await token(), { DurationSeconds: 899 }))).toMatchObject({ code: "ValidationError", message: expect.stringContaining("greater than or equal to 900") });
    expect(await failure(assume(await token(), { RoleSessionName: "has space" }))).toMatchObject({ code: "ValidationError" });
    expect(await failure(assume(await token(), { DurationSeconds: 7200 }))).toMatchObject({
      code: "ValidationError",
      message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    });
  });

  it("refuses untrusted issuers, wrong audiences, expired or forged tokens, and untrusting or missing roles", async () => {
    expect(await failure(assume(await token({ iss: "https://elsewhere.example.com" })))).toMatchObject({
      code: "InvalidIdentityTokenException",
      message: "No OpenIDConnect provider found in your account for https://elsewhere.example.com",
    });
    expect(await failure(assume(await token({ aud: "other" })))).toMatchObject({ code: "InvalidIdentityTokenException", message: "Incorrect token audience" });
    expect(await failure(assume(await token({ exp: Math.floor(Date.now() / 1000) - 10 })))).toMatchObject({ code: "ExpiredTokenException" });
    const forged = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer(issuer.url).setSubject("repo:rotor:main").setAudience("sts.amazonaws.com").setExpirationTime("5m").sign((await generateKeyPair("ES256")).privateKey);
    expect(await failure(assume(forged))).toMatchObject({ code: "InvalidIdentityTokenException" });
    expect(await failure(assume(await token({ sub: "repo:other:main" })))).toMatchObject({ code: "AccessDenied", status: 403, message: "Not authorized to perform sts:AssumeRoleWithWebIdentity" });
    expect(await failure(assume(await token(), { RoleArn: "arn:aws:iam::123456789012:role/missing" }))).toMatchObject({ code: "AccessDenied" });
    expect(identity.exchanges().filter((e) => e.outcome === "ok").length).toBeGreaterThan(0);
  });
});

describe("fake Lambda", () => {
  let invoker: AwsKeyPair;
  beforeAll(() => {
    fake.admin.createUser("invoker", { policy: ["lambda:InvokeFunction"] });
    invoker = fake.admin.seedAccessKey("invoker");
    lambda.registerFunction({ name: "echo", handler: (event, context) => ({ event, fn: context.functionName, arn: context.invokedFunctionArn }) });
  });

  it("invokes by name, ARN and partial ARN, with RequestResponse, Event and DryRun", async () => {
    for (const name of ["echo", "arn:aws:lambda:us-east-1:123456789012:function:echo", "123456789012:function:echo", "echo:$LATEST"]) {
      const out = await lambdaClient(invoker).send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ hello: name })) }));
      expect(out.StatusCode).toBe(200);
      expect(out.FunctionError).toBeUndefined();
      expect(JSON.parse(Buffer.from(out.Payload!).toString())).toMatchObject({ event: { hello: name }, fn: "echo" });
    }
    expect((await lambdaClient(invoker).send(new InvokeCommand({ FunctionName: "echo", InvocationType: "Event", Payload: Buffer.from("{}") }))).StatusCode).toBe(202);
    expect((await lambdaClient(invoker).send(new InvokeCommand({ FunctionName: "echo", InvocationType: "DryRun" }))).StatusCode).toBe(204);
  });

  it("answers AWS's errors: unknown function or qualifier, other region, no permission, bad JSON", async () => {
    expect(await failure(lambdaClient(invoker).send(new InvokeCommand({ FunctionName: "nope" })))).toMatchObject({ code: "ResourceNotFoundException", status: 404 });
    expect(await failure(lambdaClient(invoker).send(new InvokeCommand({ FunctionName: "echo", Qualifier: "prod" })))).toMatchObject({ code: "ResourceNotFoundException" });
    expect(await failure(lambdaClient(invoker, "eu-west-1").send(new InvokeCommand({ FunctionName: "echo" })))).toMatchObject({ code: "ResourceNotFoundException" });
    fake.admin.createUser("nobody");
    expect(await failure(lambdaClient(fake.admin.seedAccessKey("nobody")).send(new InvokeCommand({ FunctionName: "echo" })))).toMatchObject({
      code: "AccessDeniedException",
      status: 403,
    });
    expect(await failure(lambdaClient(invoker).send(new InvokeCommand({ FunctionName: "echo", Payload: Buffer.from("{not json") })))).toMatchObject({
      code: "InvalidRequestContentException",
    });
    const wrongSecret = { accessKeyId: invoker.accessKeyId, secretAccessKey: "x".repeat(40) };
    expect(await failure(lambdaClient(wrongSecret).send(new InvokeCommand({ FunctionName: "echo" })))).toMatchObject({ status: 403 });
  });

  it("reports handler errors and timeouts as FunctionError with status 200", async () => {
    lambda.registerFunction({ name: "boom", handler: () => { throw new RangeError("out of range"); } });
    const out = await lambdaClient(invoker).send(new InvokeCommand({ FunctionName: "boom" }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe("Unhandled");
    expect(JSON.parse(Buffer.from(out.Payload!).toString())).toMatchObject({ errorType: "RangeError", errorMessage: "out of range" });
    lambda.registerFunction({ name: "sleepy", timeoutSeconds: 1, handler: () => new Promise((r) => setTimeout(r, 1300)) });
    const slow = await lambdaClient(invoker).send(new InvokeCommand({ FunctionName: "sleepy" }));
    expect(slow.FunctionError).toBe("Unhandled");
    expect(JSON.parse(Buffer.from(slow.Payload!).toString()).errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
  });

  it("updates a function's environment; new instances see it", async () => {
    lambda.registerFunction({ name: "configured", environment: { GREETING: "hi" }, createHandler: (env) => () => ({ greeting: env.GREETING ?? null }) });
    const call = async () => JSON.parse(Buffer.from((await lambdaClient(invoker).send(new InvokeCommand({ FunctionName: "configured" }))).Payload!).toString());
    expect(await call()).toEqual({ greeting: "hi" });
    expect(await failure(lambdaClient(invoker).send(new UpdateFunctionConfigurationCommand({ FunctionName: "configured", Environment: { Variables: { GREETING: "x" } } })))).toMatchObject({
      code: "AccessDeniedException",
    });
    const updated = await lambdaClient(fake.adminCredentials).send(new UpdateFunctionConfigurationCommand({ FunctionName: "configured", Environment: { Variables: { GREETING: "hello" } } }));
    expect(updated.Environment?.Variables).toEqual({ GREETING: "hello" });
    expect(await call()).toEqual({ greeting: "hello" });
    expect((await lambdaClient(fake.adminCredentials).send(new GetFunctionConfigurationCommand({ FunctionName: "configured" }))).Runtime).toBe("nodejs22.x");
  });
});
