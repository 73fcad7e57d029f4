#!/usr/bin/env node
// A reference adapter for Rotor's `external` rotator (and Pulumi ESC's, which sends the same requests).
// Plain Node (20+), no dependencies. It keeps the "target" in a JSON file: the passwords a pretend service
// accepts. See README.md for what it checks and how to run it.
//
//   POST /rotate  {request, state}       → 200 {username, password}: the new current credential
//   POST /verify  {request, credential}  → 200 if the credential is accepted now, 422 if not
//
// Every request must carry `Authorization: Bearer <JWT>` signed by Rotor's OIDC issuer (RS256), for this very
// URL (`aud`), not expired, not seen before (`jti`), and bound to the exact body (`body_hash`).
import { createHash, createPublicKey, randomBytes, verify as verifySignature } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";

const config = {
  host: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 8443),
  /** The base URL Rotor calls, e.g. https://adapter.internal:8443 — each token's `aud` must be this + the path. */
  publicUrl: required("ADAPTER_PUBLIC_URL").replace(/\/$/, ""),
  /** Rotor's public URL (ROTOR_PUBLIC_URL there): the expected `iss`. */
  issuer: process.env.ROTOR_ISSUER?.replace(/\/$/, ""),
  jwksUrl: process.env.ROTOR_JWKS_URL ?? (process.env.ROTOR_ISSUER ? `${process.env.ROTOR_ISSUER.replace(/\/$/, "")}/.well-known/jwks.json` : undefined),
  passwordFile: required("PASSWORD_FILE"),
  tlsCert: process.env.TLS_CERT_FILE,
  tlsKey: process.env.TLS_KEY_FILE,
  /** Clock skew allowed on exp/iat, seconds. */
  leeway: Number(process.env.CLOCK_LEEWAY_SECONDS ?? 30),
};
if (!config.jwksUrl) fail("Set ROTOR_ISSUER (Rotor's public URL) or ROTOR_JWKS_URL.");

const MAX_BODY = 64 * 1024;

function required(name) {
  const value = process.env[name];
  if (!value) fail(`Set ${name}.`);
  return value;
}

function fail(message) {
  console.error(`external-adapter: ${message}`);
  process.exit(2);
}

function log(message, fields = {}) {
  // Never a password, a token or a body: ids and names only.
  console.log(JSON.stringify({ t: new Date().toISOString(), message, ...fields }));
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Token verification against Rotor's JWKS

let jwks = { keys: [], fetchedAt: 0 };

async function keyFor(kid) {
  let jwk = jwks.keys.find((k) => k.kid === kid);
  // An unknown kid: Rotor may have rotated its key (the next one is published in advance), so fetch again,
  // but not more than once every 10 seconds (an attacker's made-up kids must not make us hammer Rotor).
  if (!jwk && Date.now() - jwks.fetchedAt > 10_000) {
    const response = await fetch(config.jwksUrl, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new HttpError(503, `cannot fetch Rotor's JWKS (HTTP ${response.status})`);
    const body = await response.json();
    jwks = { keys: Array.isArray(body.keys) ? body.keys : [], fetchedAt: Date.now() };
    jwk = jwks.keys.find((k) => k.kid === kid);
  }
  if (!jwk) throw new HttpError(401, "token signed with a key Rotor does not publish");
  return createPublicKey({ key: jwk, format: "jwk" });
}

const b64url = (text) => Buffer.from(text, "base64url");

/** jti → expiry (ms): a token is accepted once. */
const seenTokens = new Map();

async function verifyToken(authorization, body, expectedAudience) {
  const match = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(authorization ?? "");
  if (!match) throw new HttpError(401, "missing or malformed Authorization: Bearer token");
  const [, h, p, s] = match;
  let header, claims;
  try {
    header = JSON.parse(b64url(h).toString("utf8"));
    claims = JSON.parse(b64url(p).toString("utf8"));
  } catch {
    throw new HttpError(401, "token is not a JWT");
  }
  // Only RS256: never "none", never an HMAC key confusion.
  if (header.alg !== "RS256") throw new HttpError(401, `token algorithm ${String(header.alg)} is not RS256`);
  const key = await keyFor(header.kid);
  if (!verifySignature("RSA-SHA256", Buffer.from(`${h}.${p}`), key, b64url(s))) throw new HttpError(401, "token signature is not valid");

  const now = Math.floor(Date.now() / 1000);
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(expectedAudience)) throw new HttpError(401, `token is for another audience (expected ${expectedAudience})`);
  if (typeof claims.exp !== "number" || claims.exp + config.leeway < now) throw new HttpError(401, "token has expired");
  if (typeof claims.iat === "number" && claims.iat - config.leeway > now) throw new HttpError(401, "token was issued in the future (check the clocks)");
  if (config.issuer && claims.iss !== config.issuer) throw new HttpError(401, `token issuer is not ${config.issuer}`);

  // body_hash: the token is only good for this exact body (SRI form, as Pulumi ESC's adapters check it).
  const actual = `sha256-${createHash("sha256").update(body).digest("base64")}`;
  if (claims.body_hash !== actual) throw new HttpError(401, "body_hash does not match the request body");

  if (typeof claims.jti !== "string" || !claims.jti) throw new HttpError(401, "token has no jti");
  for (const [jti, until] of seenTokens) if (until < Date.now()) seenTokens.delete(jti);
  if (seenTokens.has(claims.jti)) throw new HttpError(401, "token was already used (replay)");
  seenTokens.set(claims.jti, (claims.exp + config.leeway) * 1000);
  return claims;
}

// ---------------------------------------------------------------------------------------------------------
// The "target": a file of the passwords a pretend service accepts, and the answers already given

function load() {
  try {
    const data = JSON.parse(fs.readFileSync(config.passwordFile, "utf8"));
    return { passwords: data.passwords ?? [], answers: data.answers ?? {} };
  } catch (error) {
    if (error.code === "ENOENT") return { passwords: [], answers: {} };
    throw error;
  }
}

function save(data) {
  const tmp = path.join(path.dirname(config.passwordFile), `.${path.basename(config.passwordFile)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(data, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, config.passwordFile);
}

const accepted = (data, credential) =>
  Boolean(credential) && data.passwords.some((p) => p.username === credential.username && p.password === credential.password);

/**
 * One rotation, dual-secret: for this user, the new password and the one in `state` (Rotor's current) are
 * valid afterwards, nothing else (other users' passwords are left alone). Driven by `state`, not by the file's order, so an attempt Rotor abandoned (it never promoted
 * the answer) does not cost the current password its validity.
 * Idempotent: the same request id gets the same answer (Rotor retries and resumes with the same id).
 */
function rotate(payload, requestId) {
  const data = load();
  const previous = data.answers[requestId];
  if (previous) {
    log("repeat of an answered rotation: same answer", { requestId, username: previous.username });
    return previous;
  }
  const username = typeof payload.request?.username === "string" ? payload.request.username : "app";
  const state = payload.state ?? null;
  if (state && !accepted(data, state)) throw new HttpError(409, "state is not a credential this adapter accepts now (was the file reset?)");
  const answer = { username, password: randomBytes(24).toString("base64url") };
  const kept = data.passwords.filter((p) => p.username !== username || (state && p.username === state.username && p.password === state.password));
  data.passwords = [{ ...answer, createdAt: new Date().toISOString() }, ...kept];
  data.answers[requestId] = answer;
  // Keep the last 50 answers: enough for any retry or resume.
  const ids = Object.keys(data.answers);
  for (const id of ids.slice(0, Math.max(0, ids.length - 50))) delete data.answers[id];
  save(data);
  log("rotated", { requestId, username, first: !state });
  return answer;
}

// ---------------------------------------------------------------------------------------------------------
// HTTP

let queue = Promise.resolve();
/** One change of the file at a time. */
const serialized = (fn) => {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
};

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, "request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function handle(req) {
  const route = new URL(req.url ?? "/", "http://x").pathname;
  if (req.method !== "POST" || (route !== "/rotate" && route !== "/verify")) throw new HttpError(route === "/rotate" || route === "/verify" ? 405 : 404, "POST /rotate or /verify");
  const body = await readBody(req);
  const claims = await verifyToken(req.headers.authorization, body, `${config.publicUrl}${route}`);
  let payload;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
  if (route === "/rotate") {
    // The signed claim names the rotation; the header, when present, must agree.
    const requestId = claims.rotor_request_id ?? claims.jti;
    if (req.headers["idempotency-key"] && req.headers["idempotency-key"] !== requestId) throw new HttpError(400, "Idempotency-Key does not match the token's rotor_request_id");
    return serialized(() => rotate(payload, requestId));
  }
  const ok = accepted(load(), payload.credential);
  log("verify", { username: payload.credential?.username, ok });
  if (!ok) throw new HttpError(422, "this credential is not accepted");
  return { ok: true };
}

function listener(req, res) {
  handle(req).then(
    (answer) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    },
    (error) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) log("internal error", { error: String(error?.message ?? error) });
      else log("refused", { status, reason: error.message });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: status === 500 ? "internal error" : error.message }));
    },
  );
}

const server =
  config.tlsCert && config.tlsKey
    ? https.createServer({ cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) }, listener)
    : http.createServer(listener);
server.listen(config.port, config.host, () => {
  const { port } = server.address();
  log("listening", { url: `${config.tlsCert ? "https" : "http"}://${config.host}:${port}`, publicUrl: config.publicUrl, jwks: config.jwksUrl });
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
