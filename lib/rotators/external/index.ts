/**
 * `external`: rotate anything through an HTTPS adapter, compatible with Pulumi ESC's external rotator
 * (providers/rotators/external.md):
 *
 *   POST <url>   Authorization: Bearer <JWT>   Content-Type: application/json
 *   {"request": <the request input>, "state": <current credential, or null on the first rotation>}
 *   → HTTP 200 with a JSON object: the new current (the old current becomes previous).
 *
 * The JWT is signed by Rotor's own OIDC issuer (RS256, keys at <public URL>/.well-known/jwks.json), with
 * `aud` = the adapter URL, `body_hash` = sha256-<base64> of the exact body bytes (ESC's claim), a short
 * lifetime and a fresh `jti` per request.
 *
 * Beyond ESC:
 * - Idempotency: prepare picks a request id, which the engine records (write-ahead) before apply sends
 *   anything. Every attempt of that rotation — a retry after a timeout here, a resumed run after a crash —
 *   sends the same id (header `Idempotency-Key`, signed claim `rotor_request_id`), and the same body, so an
 *   adapter can answer a repeat with the credential it already issued instead of rotating twice.
 * - Verification: with a `verifyUrl`, Rotor POSTs {request, credential} there before promoting the answer;
 *   anything but HTTP 200 fails the rotation with current untouched.
 * - Answers are checked (HTTP 200, at most 64 KiB, a JSON object of text fields, the required fields), and
 *   plain http is refused except to loopback or behind the explicit insecure flag (./inputs.ts).
 */
import { randomUUID } from "node:crypto";
import { RotatorError } from "../errors";
import { sleepFor, type Credential, type Pending, type RotatorContext, type RotatorDefinition, type RotatorState } from "../types";
import { adapterNetworkError, adapterStatusError, bodyHash, credentialFromAnswer, sendToAdapter, type AdapterReply, type AdapterUse } from "./http";
import { displayUrl, type ExternalInputs } from "./inputs";
import { externalMeta } from "./meta";

/** One more try after a transient failure (timeout, reset, 502/503/504), with the same request id. */
const RETRY_DELAYS_MS = [1_000];

const USER_AGENT = "Rotor external rotator";

function requestIdOf(pending: Pending): string {
  const id = pending.data.requestId;
  if (typeof id !== "string" || !id) throw new RotatorError("internal:unexpected", "The pending rotation has no request id; it will be planned again.");
  return id;
}

function signerOf(context: RotatorContext): NonNullable<RotatorContext["issuerToken"]> {
  if (!context.issuerToken) throw new RotatorError("internal:unexpected", "No token signer: the external rotator needs Rotor's OIDC issuer (run it through the rotation engine).");
  return context.issuerToken;
}

/** Every secret this call could see echoed: the credentials in play. */
function secretsOf(...credentials: (Credential | null | undefined)[]): string[] {
  return credentials.flatMap((c) => (c ? Object.values(c) : []));
}

const transient = (error: RotatorError) => error.code === "target:timeout" || (error.code === "target:unreachable" && error.retryable);

/**
 * POSTs `payload` to `url` with a freshly signed token, retrying transient failures with the same request id
 * and body. Resolves with the HTTP 200 answer; anything else throws.
 */
async function postSigned(
  url: string,
  payload: unknown,
  args: { inputs: ExternalInputs; context: RotatorContext; requestId: string; use: AdapterUse; secrets: readonly string[] },
): Promise<{ reply: AdapterReply; attempts: number }> {
  const { inputs, context, requestId, use } = args;
  const body = Buffer.from(JSON.stringify(payload), "utf8");
  const hash = bodyHash(body);
  const sign = signerOf(context);
  for (let attempt = 0; ; attempt++) {
    let failure: RotatorError;
    try {
      // A new token per attempt (new jti, fresh expiry), bound to the same body and request id.
      const { token, issuer } = await sign({ audience: url, bodyHash: hash, requestId });
      const reply = await sendToAdapter({
        url,
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          accept: "application/json",
          "idempotency-key": requestId,
          "user-agent": USER_AGENT,
        },
        body,
        inputs,
        signal: context.signal,
      });
      if (reply.status === 200) return { reply, attempts: attempt + 1 };
      failure = adapterStatusError(reply, url, use, args.secrets, issuer);
    } catch (error) {
      failure = adapterNetworkError(error, url, use, inputs.timeoutMs);
    }
    const delay = RETRY_DELAYS_MS[attempt];
    if (delay === undefined || !transient(failure) || context.signal?.aborted) throw failure;
    context.log?.(`external: ${use} attempt ${attempt + 1} failed (${failure.code}); retrying with the same request id`, { url: displayUrl(url), requestId });
    await sleepFor(delay, context);
  }
}

/** The verify URL's judgement of a credential; without one, nothing is proven (as in ESC) and the step says so. */
async function verifyWithAdapter(inputs: ExternalInputs, credential: Credential, context: RotatorContext) {
  credentialFromAnswer({ status: 200, contentType: "application/json", body: Buffer.from(JSON.stringify(credential)), tooLarge: false }, inputs.url, inputs.requiredKeys);
  if (!inputs.verifyUrl) {
    return { ok: true as const, skipped: "No verify URL is set: the adapter's answer is taken as working, as Pulumi ESC does." };
  }
  await postSigned(inputs.verifyUrl, { request: inputs.request, credential }, { inputs, context, requestId: randomUUID(), use: "verify", secrets: secretsOf(credential) });
  return { ok: true as const };
}

export const externalRotator: RotatorDefinition<ExternalInputs> = {
  ...externalMeta,

  async testConnection({ inputs, context }) {
    // Nothing signed is sent: a signed POST would rotate. Any HTTP answer proves the address, TLS and the CA.
    const details: string[] = [];
    for (const [use, url] of [["test", inputs.url], ["verify", inputs.verifyUrl]] as const) {
      if (!url) continue;
      let reply: AdapterReply;
      try {
        reply = await sendToAdapter({ url, method: "GET", headers: { accept: "application/json", "user-agent": USER_AGENT }, inputs, signal: context.signal });
      } catch (error) {
        throw adapterNetworkError(error, url, use, inputs.timeoutMs);
      }
      const secure = url.startsWith("https:") ? "over TLS" : "over plain http (not encrypted)";
      details.push(`${use === "verify" ? "Verify URL" : "Adapter"} ${displayUrl(url)} answers ${secure} (HTTP ${reply.status} to an unsigned GET; rotations POST with a signed token).`);
    }
    if (!context.issuerToken) details.push("Warning: no token signer here; rotations sign with Rotor's OIDC issuer.");
    details.push(inputs.verifyUrl ? "New credentials are checked at the verify URL before they are promoted." : "No verify URL: the adapter's answer is promoted without a check (as in Pulumi ESC).");
    return { ok: true, details };
  },

  verifyCredential: ({ inputs, credential, context }) => verifyWithAdapter(inputs, credential, context),

  async prepare() {
    // The id is recorded with the pending state before apply sends anything: every attempt reuses it.
    return { pending: { credential: null, data: { requestId: randomUUID() } } };
  },

  async apply({ inputs, state, pending, context, resumed }) {
    const requestId = requestIdOf(pending);
    // Resumed after the answer was recorded: the adapter already rotated; asking again could rotate twice.
    if (pending.credential) {
      return { pending: { ...pending, credential: pending.credential }, notes: [`The adapter's answer to request ${requestId} was recorded before the interruption; it was not asked again.`] };
    }
    const { reply, attempts } = await postSigned(inputs.url, { request: inputs.request, state: stateForAdapter(state) }, {
      inputs,
      context,
      requestId,
      use: "rotate",
      secrets: secretsOf(state.current, state.previous),
    });
    const credential = credentialFromAnswer(reply, inputs.url, inputs.requiredKeys);
    // The request id is what the adapter's own logs know this rotation by.
    const how = [resumed ? "sent again after the interruption" : "", attempts > 1 ? `answered after ${attempts} attempts` : ""].filter(Boolean).join(", ");
    return {
      pending: { credential, data: { ...pending.data, answeredAt: (context.now?.() ?? new Date()).toISOString() } },
      notes: [`Adapter request ${requestId}${how ? ` (${how})` : ""}.`],
    };
  },

  verify: ({ inputs, credential, context }) => verifyWithAdapter(inputs, credential, context),

  commit({ state, pending }) {
    return { state: { current: pending.credential, previous: state.current } };
  },
};

/** ESC's `state`: the current credential (the last answer), or null before the first rotation. */
function stateForAdapter(state: RotatorState): Credential | null {
  return state.current ?? null;
}
