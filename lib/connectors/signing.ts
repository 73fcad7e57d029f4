/**
 * Request signing between Rotor and its aws-lambda connector handler. IAM decides who may invoke the Lambda;
 * this decides whether the handler believes the request came from Rotor (peers stop at IAM). Shared by both
 * ends, so it imports nothing but node:crypto (it is bundled into the handler).
 *
 * Wire format (the Lambda event / answer, JSON):
 *
 *   request  { v: 1, ts, nonce, body, sig }
 *            ts    Rotor's clock, milliseconds since the epoch
 *            nonce 128 random bits, base64url (never reused; the handler refuses one it has seen)
 *            body  the operation as a JSON *string*, so both ends sign exactly the same bytes
 *            sig   base64url HMAC-SHA256(secret, "rotor-connector-v1\nrequest\n" + ts + "\n" + nonce + "\n" + body)
 *
 *   answer   { v: 1, body, sig }
 *            sig   base64url HMAC-SHA256(secret, "rotor-connector-v1\nresponse\n" + nonce + "\n" + body)
 *            Binding the answer to the request's nonce means a function that does not hold the secret (a wrong
 *            ARN, a replaced function) can never produce an answer Rotor accepts, and an old answer cannot be
 *            replayed to Rotor either.
 *   refusal  { v: 1, refused: { code, message } } — unsigned (the handler could not trust the caller, so there
 *            is no shared secret to sign with); Rotor treats it as a failure, never as a result.
 *
 * The handler accepts a request only if its signature matches one of its secrets (several during a secret
 * rotation), its timestamp is within the replay window of the handler's clock, and its nonce has not been seen
 * in that window by this Lambda instance. Across instances a replay inside the window is possible; every
 * operation is idempotent (set the same password again, log in again) so it can only repeat what Rotor asked.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SIGNATURE_SCHEME = "rotor-connector-v1";
export const DEFAULT_REPLAY_WINDOW_SECONDS = 300;
/** Recognisable by secret scanners; 256 random bits after the prefix. */
export const CONNECTOR_SECRET_PREFIX = "rotor_cs_";

export interface SignedRequest {
  v: 1;
  ts: number;
  nonce: string;
  body: string;
  sig: string;
}

export interface SignedAnswer {
  v: 1;
  body: string;
  sig: string;
}

export interface Refusal {
  v: 1;
  refused: { code: RefusalCode; message: string };
}

export type RefusalCode = "malformed" | "bad-signature" | "stale" | "replayed" | "not-configured";

export function generateConnectorSecret(): string {
  return `${CONNECTOR_SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
}

function mac(secret: string, text: string): string {
  return createHmac("sha256", secret).update(text, "utf8").digest("base64url");
}

function macEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const requestText = (ts: number, nonce: string, body: string) => `${SIGNATURE_SCHEME}\nrequest\n${ts}\n${nonce}\n${body}`;
const answerText = (nonce: string, body: string) => `${SIGNATURE_SCHEME}\nresponse\n${nonce}\n${body}`;

export function signRequest(secret: string, body: string, now: number = Date.now()): SignedRequest {
  const nonce = randomBytes(16).toString("base64url");
  return { v: 1, ts: now, nonce, body, sig: mac(secret, requestText(now, nonce, body)) };
}

export function signAnswer(secret: string, nonce: string, body: string): SignedAnswer {
  return { v: 1, body, sig: mac(secret, answerText(nonce, body)) };
}

/** Rotor's side: the answer's body if it was signed with `secret` for the request with this nonce. */
export function openAnswer(secret: string, nonce: string, answer: unknown): { ok: true; body: string } | { ok: false; refusal?: Refusal["refused"] } {
  if (!answer || typeof answer !== "object") return { ok: false };
  const a = answer as Partial<SignedAnswer & Refusal>;
  if (a.refused && typeof a.refused.code === "string" && typeof a.refused.message === "string") {
    return { ok: false, refusal: { code: a.refused.code, message: a.refused.message.slice(0, 300) } };
  }
  if (a.v !== 1 || typeof a.body !== "string" || typeof a.sig !== "string") return { ok: false };
  return macEquals(a.sig, mac(secret, answerText(nonce, a.body))) ? { ok: true, body: a.body } : { ok: false };
}

export interface RequestVerifier {
  /** The request's body and nonce when it is authentic, fresh and new; otherwise why it was refused. */
  verify(request: unknown): { ok: true; body: string; nonce: string; secret: string } | { ok: false; refusal: Refusal["refused"] };
}

/**
 * The handler's side. Order matters: the signature is checked first, so an unauthenticated caller learns
 * nothing about the handler's clock and cannot fill the nonce cache; a nonce is remembered only once the
 * request has been accepted.
 */
export function createRequestVerifier(options: {
  secrets: readonly string[];
  replayWindowSeconds?: number;
  now?: () => number;
  /** Upper bound of remembered nonces (memory of one Lambda instance). */
  maxNonces?: number;
}): RequestVerifier {
  const windowMs = (options.replayWindowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS) * 1000;
  const now = options.now ?? Date.now;
  const maxNonces = options.maxNonces ?? 50_000;
  const seen = new Map<string, number>(); // nonce -> forget after (ms)

  function prune(at: number) {
    for (const [nonce, until] of seen) {
      if (until > at && seen.size <= maxNonces) break; // insertion order ≈ expiry order
      seen.delete(nonce);
    }
  }

  return {
    verify(request) {
      const secrets = options.secrets.filter(Boolean);
      if (secrets.length === 0) {
        return { ok: false, refusal: { code: "not-configured", message: "The connector has no signing secret (set ROTOR_CONNECTOR_SECRET on the Lambda)." } };
      }
      const r = request as Partial<SignedRequest> | null;
      if (
        !r ||
        typeof r !== "object" ||
        r.v !== 1 ||
        typeof r.ts !== "number" ||
        !Number.isFinite(r.ts) ||
        typeof r.nonce !== "string" ||
        !/^[A-Za-z0-9_-]{16,64}$/.test(r.nonce) ||
        typeof r.body !== "string" ||
        typeof r.sig !== "string"
      ) {
        return { ok: false, refusal: { code: "malformed", message: "Not a signed Rotor connector request." } };
      }
      const expected = requestText(r.ts, r.nonce, r.body);
      const secret = secrets.find((s) => macEquals(r.sig!, mac(s, expected)));
      if (!secret) return { ok: false, refusal: { code: "bad-signature", message: "The request signature does not match the connector's secret." } };
      const at = now();
      if (Math.abs(at - r.ts) > windowMs) {
        return {
          ok: false,
          refusal: { code: "stale", message: `The request timestamp is more than ${windowMs / 1000} s away from the connector's clock (stale request or clock skew).` },
        };
      }
      prune(at);
      if (seen.has(r.nonce)) return { ok: false, refusal: { code: "replayed", message: "This request was already received (replay refused)." } };
      // Remember until it could no longer pass the timestamp check anyway.
      seen.set(r.nonce, r.ts + windowMs + 1000);
      return { ok: true, body: r.body, nonce: r.nonce, secret };
    },
  };
}
