/**
 * AWS logins against the fake STS, through the real @aws-sdk/client-sts over HTTP (AWS_ENDPOINT_URL_STS): the
 * fake fetches Rotor's JWKS over HTTP from the token's issuer, checks signature, audience, expiry, the role's
 * trust policy — the very JSON the Logins page tells users to paste — and DurationSeconds. "Test login" reports
 * the identity or a clear error for each way it goes wrong; temporary credentials are cached in memory until
 * shortly before they expire and never stored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { startIssuerServer, type IssuerServer } from "@/test/support/issuer-server";
import { installWebIdentity, startFakeAws, type FakeAws, type WebIdentityAdmin } from "@/test/support/fake-aws";
import { CredentialCache } from "./credential-cache";
import type { IssuerKeyPolicy } from "./issuer-keys";
import type { LoginForm } from "./validation";
import { listAuditEvents } from "../db/queries/audit";
import {
  createLoginProvider,
  credentialsForLogin,
  deleteLoginProvider,
  getLoginProviderView,
  loginSetup,
  testLoginProvider,
  updateLoginProvider,
} from "./service";
import { AppError } from "../errors";

let app: TestApp;
let fake: FakeAws;
let identity: WebIdentityAdmin;
let issuer: IssuerServer;
let restoreEnv: () => void;
const policy: IssuerKeyPolicy = { tokenTtlSeconds: 300, rotationDays: 30 };
let roleCounter = 0;

beforeAll(async () => {
  [app, fake] = await Promise.all([openTestApp("pglite"), startFakeAws()]);
  issuer = await startIssuerServer(app, policy);
  // What lib/env.ts reads: this test's issuer is the "public URL".
  process.env.ROTOR_PUBLIC_URL = issuer.url;
  identity = installWebIdentity(fake);
  identity.createOidcProvider({ url: issuer.url, clientIds: ["sts.amazonaws.com"] });
  restoreEnv = fake.useAsDefaultEndpoint(["IAM", "STS"]);
});

afterAll(async () => {
  restoreEnv?.();
  await issuer?.stop();
  await fake?.stop();
  await app?.destroy();
});

function oidcForm(name: string, overrides: Partial<LoginForm> = {}): LoginForm {
  return { kind: "oidc", name, region: "us-east-1", roleArn: `arn:aws:iam::${fake.accountId}:role/rotor-${name}`, ...overrides };
}

/** An OIDC login plus the role it names, trusting exactly what the Logins page generates for it. */
async function oidcLogin(name: string, options: { form?: Partial<LoginForm>; maxSessionDuration?: number; createRole?: boolean } = {}) {
  const row = await createLoginProvider(app, { actor: TEST_ACTOR, form: oidcForm(name, options.form) });
  const view = (await getLoginProviderView(app, row.id))!;
  const setup = loginSetup(view, issuer.url)!;
  if (options.createRole !== false) {
    identity.createRole({ roleName: `rotor-${name}`, trustPolicy: setup.trustPolicy, maxSessionDuration: options.maxSessionDuration, policy: ["iam:GetUser"] });
  }
  roleCounter++;
  return { row, setup };
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return (error as AppError).message;
}

describe("OIDC login", () => {
  it("Test login: AWS accepts the token for the trusted role and GetCallerIdentity answers", async () => {
    const { row, setup } = await oidcLogin("main");
    expect(setup.trustPolicy).toContain(`"${setup.providerHost}:aud": "sts.amazonaws.com"`);
    expect(setup.trustPolicy).toContain(`"${setup.providerHost}:sub": "rotor:*:*"`);
    expect(setup.providerArn).toBe(`arn:aws:iam::${fake.accountId}:oidc-provider/${setup.providerHost}`);
    const result = await testLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id }, { issuerUrl: issuer.url, policy });
    expect(result.identity.arn).toBe(`arn:aws:sts::${fake.accountId}:assumed-role/rotor-main/rotor--test-`);
    expect(result.details.join("\n")).toMatch(/AWS accepted Rotor's token .*subject rotor:\(test\):\(test\)/);
    expect(identity.exchanges().at(-1)).toMatchObject({ outcome: "ok", subject: "rotor:(test):(test)", audience: "sts.amazonaws.com" });
    expect(issuer.hits["/.well-known/jwks.json"]).toBeGreaterThan(0);
    const { events } = await listAuditEvents({ db: app.db, filter: { action: "aws-login." }, limit: 10 });
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["aws-login.tested", "aws-login.token_issued", "aws-login.created"]));
  });

  it("untrusted issuer: no IAM identity provider for Rotor's URL", async () => {
    const { row } = await oidcLogin("untrusted");
    identity.deleteOidcProvider(issuer.url);
    try {
      expect(await failure(testLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id }, { issuerUrl: issuer.url, policy }))).toMatch(
        /AWS does not trust this issuer: no IAM OpenID Connect identity provider for http:\/\/127\.0\.0\.1/,
      );
    } finally {
      identity.createOidcProvider({ url: issuer.url, clientIds: ["sts.amazonaws.com"] });
    }
    const { events } = await listAuditEvents({ db: app.db, filter: { action: "aws-login.tested" }, limit: 1 });
    expect(events[0]).toMatchObject({ outcome: "failure", targetId: row.id });
  });

  it("wrong audience", async () => {
    const { row } = await oidcLogin("audience", { form: { audience: "not-sts" } });
    expect(await failure(testLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id }, { issuerUrl: issuer.url, policy }))).toMatch(
      /refused the token's audience "not-sts"/,
    );
  });

  it("role not found, and a role whose trust policy does not match the subject", async () => {
    const { row } = await oidcLogin("norole", { createRole: false });
    expect(await failure(testLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id }, { issuerUrl: issuer.url, policy }))).toMatch(
      /refused to let this token assume arn:aws:iam::123456789012:role\/rotor-norole: the role does not exist, or its trust policy does not allow/,
    );
    const strict = await oidcLogin("strict", { createRole: false });
    identity.createRole({ roleName: "rotor-strict", trustPolicy: strict.setup.trustPolicy.replace('"rotor:*:*"', '"rotor:prod:*"'), policy: "*" });
    expect(await failure(testLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: strict.row.id }, { issuerUrl: issuer.url, policy }))).toMatch(
      /subject "rotor:\(test\):\(test\)"/,
    );
    // The same login works for a rotation in "prod".
    const credentials = await credentialsForLogin(app, strict.row.id, { environment: "prod", rotator: "db", purpose: "rotation" }, { issuerUrl: issuer.url, policy, cache: new CredentialCache() })();
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
  });

  it("duration longer than the role allows", async () => {
    const { row } = await oidcLogin("duration", { form: { durationSeconds: "7200" } });
    expect(await failure(testLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id }, { issuerUrl: issuer.url, policy }))).toMatch(
      /session duration \(7200 s\) is longer than the role's maximum session duration/,
    );
    identity.updateRole("rotor-duration", { maxSessionDuration: 7200 });
    await expect(testLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id }, { issuerUrl: issuer.url, policy })).resolves.toBeDefined();
  });

  it("an expired token, and an issuer AWS cannot reach", async () => {
    const { row } = await oidcLogin("clock");
    const past: IssuerKeyPolicy = { ...policy, now: () => new Date(Date.now() - 3_600_000) };
    expect(await failure(testLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id }, { issuerUrl: issuer.url, policy: past }))).toMatch(
      /considers the token expired/,
    );
    identity.createOidcProvider({ url: "http://127.0.0.1:9", clientIds: ["sts.amazonaws.com"] });
    identity.updateRole("rotor-clock", { trustPolicy: loginSetup((await getLoginProviderView(app, row.id))!, "http://127.0.0.1:9")!.trustPolicy });
    expect(await failure(testLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id }, { issuerUrl: "http://127.0.0.1:9", policy }))).toMatch(
      /could not fetch Rotor's signing keys from http:\/\/127\.0\.0\.1:9/,
    );
  });

  it("caches temporary credentials in memory until shortly before they expire, and never stores them", async () => {
    const { row } = await oidcLogin("cached", { form: { durationSeconds: "900" } });
    let now = Date.now();
    const cache = new CredentialCache({ now: () => now });
    const use = { environment: "prod", rotator: "db", purpose: "rotation" as const };
    const exchanges = () => identity.exchanges().filter((e) => e.roleArn.endsWith("rotor-cached") && e.outcome === "ok").length;
    const get = credentialsForLogin(app, row.id, use, { issuerUrl: issuer.url, policy, cache });
    const [a, b] = await Promise.all([get(), get()]);
    const c = await get();
    expect(exchanges()).toBe(1);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    // The session lasts 900 s (virtual time of the fake = real time here); 4 minutes before it ends it is refreshed.
    now += 900_000 - 4 * 60_000;
    const d = await get();
    expect(exchanges()).toBe(2);
    expect(d.accessKeyId).not.toBe(a.accessKeyId);
    // Another subject (another rotator) is another session.
    await credentialsForLogin(app, row.id, { ...use, rotator: "other" }, { issuerUrl: issuer.url, policy, cache })();
    expect(exchanges()).toBe(3);
    // An edited login never serves credentials of its previous version.
    await updateLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id, form: { name: "cached", region: "us-east-1", roleArn: oidcForm("cached").roleArn, durationSeconds: "900", sessionName: "edited-{rotator}" } });
    const e = await get();
    expect(exchanges()).toBe(4);
    expect(e.accessKeyId).not.toBe(d.accessKeyId);

    const dump = JSON.stringify(await app.db.execute(sql`select * from login_providers, settings, audit_events`));
    for (const credential of [a, d, e]) {
      expect(dump).not.toContain(credential.secretAccessKey);
      expect(dump).not.toContain(credential.sessionToken!);
    }
  });
});

describe("static login", () => {
  it("Test login answers the key's identity; a wrong secret is a clear error; the secret is encrypted", async () => {
    fake.admin.createUser("rotor-static");
    const key = fake.admin.seedAccessKey("rotor-static");
    const row = await createLoginProvider(app, {
      actor: TEST_ACTOR,
      form: { kind: "static", name: "static-keys", region: "us-east-1", accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    });
    expect(JSON.stringify(await app.db.execute(sql`select * from login_providers, audit_events`))).not.toContain(key.secretAccessKey);
    expect((await testLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id })).identity.arn).toBe(`arn:aws:iam::${fake.accountId}:user/rotor-static`);
    expect(await credentialsForLogin(app, row.id, { environment: "e", rotator: "r", purpose: "rotation" })()).toEqual({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });

    await updateLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id, form: { name: "static-keys", region: "us-east-1", accessKeyId: key.accessKeyId, secretAccessKey: "x".repeat(40) } });
    const message = await failure(testLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id }));
    expect(message).toMatch(/AWS refused these credentials \(SignatureDoesNotMatch\)/);
    expect(message).not.toContain("x".repeat(40));
  });

  it("validates the form, and refuses duplicate names", async () => {
    const bad = await failure(createLoginProvider(app, { actor: TEST_ACTOR, form: { kind: "static", name: "bad", accessKeyId: "lowercase", secretAccessKey: "s" } }));
    expect(bad).toMatch(/accessKeyId/);
    const missing = await failure(createLoginProvider(app, { actor: TEST_ACTOR, form: { kind: "static", name: "nosecret", accessKeyId: "AKIAAAAAAAAAAAAAAAAA" } }));
    expect(missing).toMatch(/secret access key is required/);
    const template = await failure(createLoginProvider(app, { actor: TEST_ACTOR, form: oidcForm("tpl", { subjectTemplate: "rotor:*:{rotator}" }) }));
    expect(template).toMatch(/must not contain \* or \?/);
    const dup = await failure(createLoginProvider(app, { actor: TEST_ACTOR, form: oidcForm("MAIN") }));
    expect(dup).toMatch(/already exists/);
    expect(roleCounter).toBeGreaterThan(0);
  });

  it("deletes only with the exact name", async () => {
    const row = await createLoginProvider(app, { actor: TEST_ACTOR, form: oidcForm("to-delete") });
    expect(await failure(deleteLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id, confirmName: "nope" }))).toMatch(/exactly/);
    await deleteLoginProvider(app, { actor: TEST_ACTOR, loginProviderId: row.id, confirmName: "to-delete" });
    expect(await getLoginProviderView(app, row.id)).toBeNull();
  });
});
