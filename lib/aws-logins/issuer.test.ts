/**
 * Rotor as an OIDC issuer, against a real store: the discovery document is valid, tokens verify with a standard
 * JOSE library against the JWKS fetched over HTTP from the discovery document, carry the configured claims and
 * expire; signing keys are encrypted at rest and rotate with overlap (the next key is published before it signs,
 * the retired one until its tokens have expired).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet } from "jose";
import { sql } from "drizzle-orm";
import { openTestApp, type TestApp } from "@/test/support/app-context";
import { startIssuerServer, type IssuerServer } from "@/test/support/issuer-server";
import { describeIssuerKeys, ensureIssuerKeys, ISSUER_KEYS_SETTING, issuerKeyContext, publishedKeys, type IssuerKeyPolicy, type StoredIssuerKey } from "./issuer-keys";
import { DEFAULT_AUDIENCE, discoveryDocument, mintWebIdentityToken } from "./issuer";
import { getSetting } from "../db/queries/keys";

let app: TestApp;
let server: IssuerServer;
let clock = Date.now();
const policy: IssuerKeyPolicy = { tokenTtlSeconds: 300, rotationDays: 30, now: () => new Date(clock) };
const DAY = 86_400_000;
const variables = { environment: "prod", rotator: "db-app", login: "aws-main", purpose: "rotation" as const };

async function fetchJson(url: string) {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.json();
}

beforeAll(async () => {
  app = await openTestApp("pglite");
  server = await startIssuerServer(app, policy);
});

afterAll(async () => {
  await server?.stop();
  await app?.destroy();
});

describe("OIDC issuer", () => {
  it("publishes nothing and creates no key when only read", async () => {
    expect(await publishedKeys(app, policy)).toEqual([]);
    expect((await fetchJson(`${server.url}/.well-known/jwks.json`)).keys).toEqual([]);
    expect(await getSetting({ db: app.db, key: ISSUER_KEYS_SETTING })).toBeUndefined();
  });

  it("serves a valid discovery document", async () => {
    const doc = await fetchJson(`${server.url}/.well-known/openid-configuration`);
    expect(doc).toEqual(discoveryDocument(server.url));
    expect(doc.issuer).toBe(server.url);
    expect(doc.issuer).not.toMatch(/\/$/);
    expect(doc.jwks_uri).toBe(`${server.url}/.well-known/jwks.json`);
    expect(doc.id_token_signing_alg_values_supported).toEqual(["RS256"]);
    expect(doc.response_types_supported).toContain("id_token");
    expect(doc.subject_types_supported).toEqual(["public"]);
    expect(doc.claims_supported).toEqual(expect.arrayContaining(["iss", "sub", "aud", "exp", "iat"]));
  });

  it("signs tokens that verify against its own JWKS and carry the configured claims", async () => {
    const minted = await mintWebIdentityToken(app, policy, { issuerUrl: server.url, audience: DEFAULT_AUDIENCE, subject: "rotor:prod:db-app", variables });
    const discovery = await fetchJson(`${server.url}/.well-known/openid-configuration`);
    const { payload, protectedHeader } = await jwtVerify(minted.token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: server.url,
      audience: "sts.amazonaws.com",
      algorithms: ["RS256"],
      currentDate: new Date(clock),
    });
    expect(protectedHeader).toEqual({ alg: "RS256", kid: minted.kid, typ: "JWT" });
    expect(payload).toMatchObject({
      iss: server.url,
      sub: "rotor:prod:db-app",
      aud: "sts.amazonaws.com",
      jti: minted.jti,
      rotor_environment: "prod",
      rotor_rotator: "db-app",
      rotor_login: "aws-main",
      rotor_purpose: "rotation",
    });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(Math.abs(payload.iat! * 1000 - clock)).toBeLessThan(1000);
    expect(minted.expiresAt.getTime()).toBe(payload.exp! * 1000);
    // Every token is new.
    const again = await mintWebIdentityToken(app, policy, { issuerUrl: server.url, audience: DEFAULT_AUDIENCE, subject: "rotor:prod:db-app", variables });
    expect(again.jti).not.toBe(minted.jti);
    expect(again.kid).toBe(minted.kid);
  });

  it("tokens expire, and are bound to their audience and issuer", async () => {
    const minted = await mintWebIdentityToken(app, policy, { issuerUrl: server.url, audience: "custom-aud", subject: "s", variables });
    const keys = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    await expect(jwtVerify(minted.token, keys, { currentDate: new Date(clock + 299_000) })).resolves.toBeDefined();
    await expect(jwtVerify(minted.token, keys, { currentDate: new Date(clock + 301_000) })).rejects.toBeInstanceOf(errors.JWTExpired);
    await expect(jwtVerify(minted.token, keys, { currentDate: new Date(clock), audience: "sts.amazonaws.com" })).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
    await expect(jwtVerify(minted.token, keys, { currentDate: new Date(clock), issuer: "https://other.example.com" })).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
    const [h, p, s] = minted.token.split(".");
    const tampered = `${h}.${p}.${s!.slice(0, -4)}${s!.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    await expect(jwtVerify(tampered, keys, { currentDate: new Date(clock) })).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });

  it("publishes the current and the next key, and keeps private keys encrypted", async () => {
    const keys = await ensureIssuerKeys(app, policy);
    const jwks = (await fetchJson(`${server.url}/.well-known/jwks.json`)) as JSONWebKeySet;
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual([keys.current.kid, keys.next.kid].sort());
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
      expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    }
    const stored = (await getSetting<{ keys: StoredIssuerKey[] }>({ db: app.db, key: ISSUER_KEYS_SETTING }))!;
    const dump = JSON.stringify(await app.db.execute(sql`select * from settings`));
    for (const key of stored.keys) {
      const privateJwk = JSON.parse(app.keyring.decrypt(key.privateKeyCiphertext, issuerKeyContext(key.kid)));
      expect(privateJwk.d.length).toBeGreaterThan(100);
      expect(dump).not.toContain(privateJwk.d);
      expect(dump).not.toContain(privateJwk.p);
      // Bound to its key id: the ciphertext does not open as another key's.
      const other = stored.keys.find((k) => k.kid !== key.kid)!;
      expect(() => app.keyring.decrypt(key.privateKeyCiphertext, issuerKeyContext(other.kid))).toThrow();
    }
  });

  it("rotates with overlap: next was published before it signs; the retired key stays until its tokens expired", async () => {
    const before = await ensureIssuerKeys(app, policy);
    const oldToken = await mintWebIdentityToken(app, policy, { issuerUrl: server.url, audience: DEFAULT_AUDIENCE, subject: "s", variables });
    // A verifier that cached the JWKS before the rotation...
    const cached = createLocalJWKSet((await fetchJson(`${server.url}/.well-known/jwks.json`)) as JSONWebKeySet);

    clock += 30 * DAY + 1000;
    const newToken = await mintWebIdentityToken(app, policy, { issuerUrl: server.url, audience: DEFAULT_AUDIENCE, subject: "s", variables });
    expect(decodeProtectedHeader(newToken.token).kid).toBe(before.next.kid);
    // ...verifies tokens signed after it, with no refetch.
    await expect(jwtVerify(newToken.token, cached, { currentDate: new Date(clock) })).resolves.toBeDefined();

    const after = await ensureIssuerKeys(app, policy);
    expect(after.current.kid).toBe(before.next.kid);
    expect(after.retired.map((k) => k.kid)).toEqual([before.current.kid]);
    const published = (await fetchJson(`${server.url}/.well-known/jwks.json`)).keys.map((k: { kid: string }) => k.kid).sort();
    expect(published).toEqual([before.current.kid, after.current.kid, after.next.kid].sort());
    const summary = await describeIssuerKeys(app, policy);
    expect(summary).toMatchObject({ current: { kid: after.current.kid }, next: { kid: after.next.kid }, retired: [{ kid: before.current.kid }] });
    expect(Date.parse(summary.nextRotationAt!)).toBe(clock + 30 * DAY);

    // The old token's key is still there while a token it signed could be alive (its own exp has passed here).
    const live = createLocalJWKSet({ keys: await publishedKeys(app, policy) });
    await expect(jwtVerify(oldToken.token, live, { currentDate: new Date(oldToken.expiresAt.getTime() - 1000) })).resolves.toBeDefined();

    // Once every token it signed has expired (+ margin), the retired key is dropped.
    clock += 300_000 + 10 * 60_000 + 1000;
    const later = await ensureIssuerKeys(app, policy);
    expect(later.retired).toEqual([]);
    expect((await publishedKeys(app, policy)).map((k) => k.kid).sort()).toEqual([later.current.kid, later.next.kid].sort());
  });

  it("rotates on demand, and two processes racing on an empty store create one key set", async () => {
    const before = await ensureIssuerKeys(app, policy);
    const forced = await ensureIssuerKeys(app, policy, { force: true });
    expect(forced.rotated).toBe(true);
    expect(forced.current.kid).toBe(before.next.kid);

    const fresh = await openTestApp("pglite");
    try {
      const [a, b] = await Promise.all([ensureIssuerKeys(fresh, policy), ensureIssuerKeys(fresh, policy)]);
      expect(a.current.kid).toBe(b.current.kid);
      expect(a.next.kid).toBe(b.next.kid);
      expect(await publishedKeys(fresh, policy)).toHaveLength(2);
    } finally {
      await fresh.destroy();
    }
  });
});
