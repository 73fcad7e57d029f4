/**
 * One POST to an adapter, and what its answer means. node:http(s) rather than fetch: a per-adapter CA, a hard
 * deadline on the whole exchange and a byte limit on the answer are each one option here.
 *
 * Messages never quote an answer that came with HTTP 200 (it is the new credential, or meant to be): they name
 * its fields and their kinds only. An error answer's text is quoted briefly (adapters explain refusals there),
 * with every known secret redacted, because an adapter may echo the request it got, and the request carries
 * the current credential as `state`.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { NETWORK_ERROR_REASONS, RotatorError, redactSecrets } from "../errors";
import type { Credential } from "../types";
import { displayUrl, EXTERNAL_ANSWER_MAX_BYTES, type ExternalInputs } from "./inputs";

/** The `body_hash` claim: Subresource Integrity form (`sha256-<base64>`), as Pulumi ESC's adapters check it. */
export function bodyHash(body: Buffer): string {
  return `sha256-${createHash("sha256").update(body).digest("base64")}`;
}

export interface AdapterReply {
  status: number;
  contentType: string;
  location?: string;
  body: Buffer;
  /** The answer went past EXTERNAL_ANSWER_MAX_BYTES: reading stopped there. */
  tooLarge: boolean;
}

export type AdapterUse = "rotate" | "verify" | "test";
const PURPOSE: Record<AdapterUse, string> = { rotate: "the adapter", verify: "the verify URL", test: "the adapter" };

export class AdapterTimeout extends Error {
  constructor() {
    super("no complete answer in time");
    this.name = "AdapterTimeout";
  }
}

export interface AdapterRequest {
  url: string;
  method: "POST" | "GET";
  headers: Record<string, string>;
  body?: Buffer;
  inputs: Pick<ExternalInputs, "ca" | "timeoutMs">;
  signal?: AbortSignal;
}

/** Sends one request; resolves with whatever HTTP answer came (any status), rejects on network failure or deadline. */
export function sendToAdapter(request: AdapterRequest): Promise<AdapterReply> {
  const url = new URL(request.url);
  const transport = url.protocol === "https:" ? https : http;
  return new Promise<AdapterReply>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, reply?: AdapterReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve(reply!);
    };
    const req = transport.request(url, {
      method: request.method,
      headers: { ...request.headers, ...(request.body ? { "content-length": String(request.body.length) } : {}) },
      // A private CA replaces the public roots for this adapter only.
      ...(request.inputs.ca ? { ca: request.inputs.ca } : {}),
      agent: false,
    });
    const deadline = setTimeout(() => {
      finish(new AdapterTimeout());
      req.destroy();
    }, request.inputs.timeoutMs);
    const onAbort = () => {
      finish(new RotatorError("target:unreachable", "The rotation was stopped while waiting for the adapter (this process lost its lease); it will be resumed."));
      req.destroy();
    };
    request.signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (error) => finish(error));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const reply = (tooLarge: boolean): AdapterReply => ({
        status: res.statusCode ?? 0,
        contentType: String(res.headers["content-type"] ?? ""),
        location: typeof res.headers.location === "string" ? res.headers.location : undefined,
        body: Buffer.concat(chunks),
        tooLarge,
      });
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > EXTERNAL_ANSWER_MAX_BYTES) {
          finish(null, reply(true));
          res.destroy();
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => finish(null, reply(false)));
      res.on("error", (error) => finish(error));
    });
    req.end(request.body);
  });
}

/** A network failure or a missed deadline, in the user's terms. Transient ones are retryable. */
export function adapterNetworkError(error: unknown, url: string, use: AdapterUse, timeoutMs: number): RotatorError {
  if (error instanceof RotatorError) return error;
  const at = `${PURPOSE[use]} at ${displayUrl(url)}`;
  if (error instanceof AdapterTimeout) {
    return new RotatorError("target:timeout", `${capital(at)} did not answer within ${seconds(timeoutMs)}. Nothing was promoted: the current credential is unchanged. Check the adapter (or raise the timeout) and try again.`);
  }
  const code = typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : "";
  const cause = Object.assign(new Error(code || "network error"), { code });
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return new RotatorError("target:rejected", `The TLS certificate of ${at} does not name its host. Use the host name the certificate lists.`, { cause });
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) {
    return new RotatorError("target:rejected", `The TLS certificate of ${at} was not accepted (${code}). If the adapter uses a private CA, give its certificate in "Adapter CA certificate".`, { cause });
  }
  if (/ERR_SSL|EPROTO/.test(code) || /wrong version number|packet length too long/i.test(String((error as Error)?.message))) {
    return new RotatorError("target:unreachable", `${capital(at)} does not speak TLS on that port (is it plain http?).`, { cause, retryable: false });
  }
  const reason = NETWORK_ERROR_REASONS[code] ?? "network error";
  return new RotatorError("target:unreachable", `Cannot reach ${at} (${reason}). Check the URL and that Rotor can reach it.`, { cause });
}

/** An answer that is not HTTP 200, as an error that says what the adapter said (briefly, redacted). */
export function adapterStatusError(reply: AdapterReply, url: string, use: AdapterUse, secrets: readonly string[], issuer?: string): RotatorError {
  const at = `${PURPOSE[use]} at ${displayUrl(url)}`;
  const said = excerpt(reply, secrets);
  const status = `HTTP ${reply.status}${said ? `: ${said}` : ""}`;
  if (reply.status >= 300 && reply.status < 400) {
    const to = reply.location ? ` to ${displayUrl(new URL(reply.location, url).toString())}` : "";
    return new RotatorError("target:rejected", `${capital(at)} answered with a redirect${to} (HTTP ${reply.status}). Rotor does not follow redirects (the audience of its signed request is the exact URL): put the final URL in the rotator.`);
  }
  if (reply.status === 401 || reply.status === 403) {
    return new RotatorError(
      "auth:permission-denied",
      `${capital(at)} refused Rotor's token (${status}). The adapter must verify it with Rotor's keys (${issuer ?? "<Rotor's public URL>"}/.well-known/jwks.json), expect audience ${displayUrl(url)} exactly as configured, and have a correct clock.`,
    );
  }
  // 401/403 are about the token; any other 4xx from the verify URL is its verdict on the credential (422 by convention).
  if (use === "verify" && reply.status >= 400 && reply.status < 500) {
    return new RotatorError("auth:verify-failed", `${capital(at)} says the credential does not work (${status}). A new credential is not promoted when this happens: the current one stays.`);
  }
  if (reply.status === 502 || reply.status === 503 || reply.status === 504) {
    return new RotatorError("target:unreachable", `${capital(at)} is not available (${status}). Try again later.`);
  }
  if (reply.status >= 500) {
    return new RotatorError("target:rejected", `${capital(at)} failed (${status}). See the adapter's logs.`, { retryable: true });
  }
  return new RotatorError("target:rejected", `${capital(at)} refused the request (${status}).`);
}

/** The 200 answer of a rotation, checked: a JSON object of text fields with every required field. */
export function credentialFromAnswer(reply: AdapterReply, url: string, requiredKeys: readonly string[]): Credential {
  const at = `The adapter at ${displayUrl(url)}`;
  const fail = (what: string) =>
    new RotatorError("target:rejected", `${at} answered HTTP 200 but ${what}. Nothing was promoted: the current credential is unchanged.`);
  if (reply.tooLarge) throw fail(`with more than ${EXTERNAL_ANSWER_MAX_BYTES / 1024} KiB; an answer is one credential as a JSON object`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body.toString("utf8"));
  } catch {
    const type = reply.contentType ? ` (Content-Type: ${reply.contentType.split(";")[0]})` : "";
    throw fail(`not with JSON${type}; it must answer a JSON object of text fields, such as {"username": "…", "password": "…"}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw fail(`with ${parsed === null ? "null" : Array.isArray(parsed) ? "a JSON array" : `a JSON ${typeof parsed}`}, not a JSON object`);
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0) throw fail("with an empty object: there is no credential in it");
  const notText = entries.filter(([, value]) => typeof value !== "string").map(([key, value]) => `"${key}" is ${kindOf(value)}`);
  if (notText.length) throw fail(`with fields that are not text (${notText.slice(0, 5).join(", ")}); Rotor stores credentials as text fields`);
  const credential = Object.fromEntries(entries) as Credential;
  const missing = requiredKeys.filter((key) => !credential[key]);
  if (missing.length) {
    throw fail(`without the field${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, which "Fields the answer must have" requires (its fields: ${entries.map(([k]) => k).join(", ")})`);
  }
  return credential;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** What an error answer says, in at most 200 characters, secrets redacted; JSON `error`/`message` preferred. */
function excerpt(reply: AdapterReply, secrets: readonly string[]): string {
  if (reply.tooLarge || !reply.body.length || !/json|text/i.test(reply.contentType || "text")) return "";
  let text = reply.body.toString("utf8");
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const said = json?.error ?? json?.message;
    if (typeof said === "string") text = said;
    else if (said && typeof said === "object" && typeof (said as { message?: unknown }).message === "string") text = (said as { message: string }).message;
  } catch {
    // plain text
  }
  const clean = redactSecrets(text, secrets).replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const seconds = (ms: number) => `${Math.round(ms / 100) / 10}s`;
