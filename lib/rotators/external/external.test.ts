/**
 * The `external` rotator against the reference adapter (examples/external-adapter, a child process over HTTPS)
 * that verifies Rotor's tokens against the JWKS of a real store, served over HTTP the way the app serves it;
 * and against small misbehaving adapters (late, wrong answers, errors) on loopback. Every failure must leave
 * `current` untouched and say what to do, without a secret in it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPair, SignJWT } from "jose";
import { startExternalTestBed, scriptedAdapter, json, type ExternalTestBed, type ReferenceAdapter, type ScriptedAdapter } from "@/test/support/external-adapter";
import { describeRotatorContract, expectNoSecrets, rotateOnce } from "@/test/support/rotator-contract";
import { describeInputIssues } from "../meta";
import { RotatorError } from "../errors";
import type { Credential, RotatorContext, RotatorState } from "../types";
import { bodyHash, sendToAdapter } from "./http";
import { externalInputsSchema, type ExternalInputs } from "./inputs";
import { externalRotator } from "./index";

let bed: ExternalTestBed;
let adapter: ReferenceAdapter;
let scripted: ScriptedAdapter;
const sign = () => bed.sign();
const fast = { sleep: async () => undefined };
const empty: RotatorState = { current: null, previous: null };

beforeAll(async () => {
  bed = await startExternalTestBed();
  adapter = bed.adapter;
  scripted = await scriptedAdapter();
}, 120_000);

afterAll(async () => {
  await scripted?.stop();
  await bed?.stop();
});

let users = 0;
const newUser = () => `app${++users}`;

function referenceInputs(username: string, extra: Record<string, unknown> = {}): ExternalInputs {
  return externalInputsSchema.parse({
    url: `${adapter.url}/rotate`,
    verifyUrl: `${adapter.url}/verify`,
    request: { username },
    ca: adapter.ca,
    timeoutMs: 5_000,
    requiredKeys: "username, password",
    ...extra,
  });
}

function context(extra: Partial<RotatorContext> = {}): RotatorContext {
  return { checkpoint: async () => undefined, issuerToken: sign(), ...fast, ...extra };
}

async function rejection(promise: Promise<unknown>): Promise<RotatorError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error, "expected a RotatorError").toBeInstanceOf(RotatorError);
  return error as RotatorError;
}

describeRotatorContract(
  "external (reference adapter over HTTPS)",
  {
    rotator: externalRotator,
    skip: {
      "fresh-secret": "prepare generates nothing; the adapter makes the new credential",
      "bad-managing-login": "there is no managing login: the adapter trusts Rotor's signed token (a forged signature is tested below)",
    },
  },
  async () => {
    const username = newUser();
    const initial = `initial-${username}-password`;
    adapter.seed(username, initial);
    return {
      inputs: referenceInputs(username),
      checkLogin: async (credential: Credential) => adapter.accepts(credential),
      firstRotation: { username },
      importedState: { current: { username, password: initial }, previous: null },
      context: { issuerToken: sign(), ...fast },
    };
  },
);

describe("external rotator and the reference adapter", () => {
  it("sends ESC's {request, state} with a token bound to the URL and the exact body; the answer becomes current", async () => {
    const username = newUser();
    const first = await rotateOnce(externalRotator, referenceInputs(username), empty, context());
    expect(first.state).toEqual({ current: { username, password: expect.any(String) }, previous: null });
    const second = await rotateOnce(externalRotator, referenceInputs(username), first.state, context());
    expect(second.state.previous).toEqual(first.state.current);
    expect(adapter.accepts(second.state.current!)).toBe(true);
    expect(adapter.accepts(first.state.current!)).toBe(true);
    // Nothing secret in what the adapter logged.
    expectNoSecrets(adapter.output(), [first.credential.password, second.credential.password]);
  });

  it("a token signed by another key is refused by the adapter: the rotation fails clearly and changes nothing", async () => {
    const username = newUser();
    const first = await rotateOnce(externalRotator, referenceInputs(username), empty, context());
    const before = adapter.read().passwords.filter((p) => p.username === username);
    const kid = await bed.currentKid();
    const { privateKey } = await generateKeyPair("RS256");
    const forged: RotatorContext["issuerToken"] = async (request) => ({
      issuer: bed.issuerUrl,
      // Same kid as Rotor's real key, other private key: only the signature check can catch it.
      token: await new SignJWT({ body_hash: request.bodyHash, rotor_request_id: request.requestId })
        .setProtectedHeader({ alg: "RS256", kid })
        .setIssuer(bed.issuerUrl)
        .setAudience(request.audience)
        .setIssuedAt()
        .setExpirationTime("5m")
        .setJti(crypto.randomUUID())
        .sign(privateKey),
    });
    const error = await rejection(rotateOnce(externalRotator, referenceInputs(username), first.state, context({ issuerToken: forged })));
    expect(error.code).toBe("auth:permission-denied");
    expect(error.message).toMatch(/refused Rotor's token \(HTTP 401: token signature is not valid\).*\.well-known\/jwks\.json/);
    expect(adapter.read().passwords.filter((p) => p.username === username)).toEqual(before);
    expectNoSecrets(error, [first.credential.password]);
  });

  it("a body_hash that is not the body's is refused by the adapter", async () => {
    const username = newUser();
    const real = sign();
    const other = bodyHash(Buffer.from('{"request":{},"state":null}'));
    const error = await rejection(rotateOnce(externalRotator, referenceInputs(username), empty, context({ issuerToken: (r) => real({ ...r, bodyHash: other }) })));
    expect(error.message).toMatch(/HTTP 401: body_hash does not match the request body/);
    expect(adapter.read().passwords.filter((p) => p.username === username)).toEqual([]);
  });

  it("the adapter refuses a replayed token, another audience and an expired token", async () => {
    const body = Buffer.from(JSON.stringify({ request: { username: newUser() }, state: null }));
    const url = `${adapter.url}/rotate`;
    const post = (token: string) =>
      sendToAdapter({ url, method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body, inputs: { ca: adapter.ca, timeoutMs: 5_000 } });
    const { token } = await sign()({ audience: url, bodyHash: bodyHash(body), requestId: crypto.randomUUID() });
    expect((await post(token)).status).toBe(200);
    const replay = await post(token);
    expect([replay.status, JSON.parse(replay.body.toString()).error]).toEqual([401, "token was already used (replay)"]);

    const elsewhere = await sign()({ audience: `${adapter.url}/verify`, bodyHash: bodyHash(body), requestId: crypto.randomUUID() });
    expect(JSON.parse((await post(elsewhere.token)).body.toString()).error).toMatch(/another audience/);

    const past = bed.sign({ policy: { ...bed.policy, now: () => new Date(Date.now() - 3_600_000) } });
    const expired = await past({ audience: url, bodyHash: bodyHash(body), requestId: crypto.randomUUID() });
    expect(JSON.parse((await post(expired.token)).body.toString()).error).toBe("token has expired");
  });

  it("the same request id is sent again after a lost answer, and the adapter answers it without rotating twice", async () => {
    const username = newUser();
    const inputs = referenceInputs(username);
    const { pending } = await externalRotator.prepare({ inputs, state: empty, context: context() });
    const once = await externalRotator.apply({ inputs, state: empty, pending, context: context() });
    // The process died before recording `once`: the resumed run starts from the recorded pending (no answer).
    const twice = await externalRotator.apply({ inputs, state: empty, pending, context: context() });
    expect(twice.pending.credential).toEqual(once.pending.credential);
    expect(adapter.read().passwords.filter((p) => p.username === username)).toHaveLength(1);
    expect(Object.keys(adapter.read().answers)).toContain(pending.data.requestId);
  });

  it("without a verify URL the verify step says it proved nothing; with one, a refused credential fails", async () => {
    const username = newUser();
    const noVerify = referenceInputs(username, { verifyUrl: undefined });
    const result = await externalRotator.verify({ inputs: noVerify, credential: { username, password: "whatever" }, context: context() });
    expect(result.skipped).toMatch(/No verify URL/);
    const error = await rejection(externalRotator.verify({ inputs: referenceInputs(username), credential: { username, password: "not-issued-here" }, context: context() }));
    expect(error.code).toBe("auth:verify-failed");
    expect(error.message).toMatch(/verify URL at https:\/\/localhost:\d+\/verify says the credential does not work \(HTTP 422: this credential is not accepted\)/);
    expectNoSecrets(error, ["not-issued-here"]);
  });

  it("a wrong CA, or none, is refused with what to do", async () => {
    const error = await rejection(externalRotator.testConnection({ inputs: referenceInputs("x", { ca: undefined }), context: context() }));
    expect(error.code).toBe("target:rejected");
    expect(error.message).toMatch(/TLS certificate of the adapter at https:\/\/localhost:\d+\/rotate was not accepted.*Adapter CA certificate/);
    const ok = await externalRotator.testConnection({ inputs: referenceInputs("x"), context: context() });
    expect(ok.details[0]).toMatch(/answers over TLS \(HTTP 405/);
  });
});

describe("external rotator with a misbehaving adapter", () => {
  it("an adapter's error text is quoted with the credentials it echoes redacted by the rotator itself", async () => {
    scripted.behave((_req, res, body) => json(res, 400, { error: `bad request: ${body.toString()}` }));
    const state = { current: { username: "svc", password: "current-secret-value" }, previous: { username: "svc", password: "previous-secret-value" } };
    const inputs = externalInputsSchema.parse({ url: scripted.url, timeoutMs: 1_000 });
    const error = await rejection(rotateOnce(externalRotator, inputs, state, context()));
    expect(error.message).toMatch(/refused the request \(HTTP 400: bad request: .*"password":"\[redacted\]"/);
    expectNoSecrets(error, ["current-secret-value"]);
  });
});

describe("external inputs", () => {
  const issue = (raw: Record<string, unknown>) => {
    const parsed = externalInputsSchema.safeParse(raw);
    expect(parsed.success).toBe(false);
    return describeInputIssues("external", parsed.error!.issues);
  };

  it("refuses plain http to a host that is not loopback unless the insecure flag is on, naming the field", () => {
    const { fieldErrors, summary } = issue({ url: "http://adapter.internal/rotate" });
    expect(fieldErrors.url).toMatch(/^Adapter URL must use https: plain http sends the signed token.*Allow plain http \(insecure\) on/);
    expect(summary).toMatch(/^Adapter URL/);
    expect(externalInputsSchema.safeParse({ url: "http://adapter.internal/rotate", allowInsecureHttp: true }).success).toBe(true);
    expect(externalInputsSchema.safeParse({ url: "http://127.0.0.1:8080/rotate" }).success).toBe(true);
    expect(externalInputsSchema.safeParse({ url: "http://localhost:8080/rotate" }).success).toBe(true);
    expect(issue({ url: "https://a.example/rotate", verifyUrl: "http://a.example/verify" }).fieldErrors.verifyUrl).toMatch(/^Verify URL \(optional\) must use https/);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["no URL", {}, "url", /Adapter URL is required/],
    ["a URL with a password", { url: "https://u:p@a.example/rotate" }, "url", /must not contain a user name or password/],
    ["not a URL", { url: "adapter.example" }, "url", /must be a full URL/],
    ["another scheme", { url: "ftp://a.example/rotate" }, "url", /must start with https:\/\//],
    ["request that is not JSON", { url: "https://a.example", request: "{service: billing}" }, "request", /Request \(JSON\) must be a JSON object/],
    ["request that is a list", { url: "https://a.example", request: "[1]" }, "request", /must be a JSON object/],
    ["a tiny timeout", { url: "https://a.example", timeoutMs: 5 }, "timeoutMs", /Timeout \(ms\) must be at least 200/],
    ["a CA that is not PEM", { url: "https://a.example", ca: "hello" }, "ca", /Adapter CA certificate \(PEM, optional\) must be PEM/],
  ])("refuses %s", (_name, raw, field, message) => {
    expect(issue(raw).fieldErrors[field]).toMatch(message);
  });

  it("reads the form's text: request as JSON, required fields comma-separated", () => {
    const parsed = externalInputsSchema.parse({ url: "https://a.example/rotate", request: '{"service": "billing"}', requiredKeys: "username, password" });
    expect(parsed).toMatchObject({ request: { service: "billing" }, requiredKeys: ["username", "password"], timeoutMs: 30_000, allowInsecureHttp: false });
  });
});
