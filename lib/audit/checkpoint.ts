import "server-only";
/**
 * Checkpoints: the audit chain's head (newest event id, its hash, how many events, when) published outside
 * the store, so that deleting the newest events — which leaves a shorter chain, intact in itself — is caught
 * by comparing with a copy the store's writer cannot reach: the server log, the `audit.checkpoint` webhook
 * event (lib/webhooks/notifier.ts), and GET /api/v1/audit/checkpoint for an external monitor to poll.
 *
 * Signed how: as a JWT (RS256) with Rotor's OIDC issuer key, whose public half is published at
 * /.well-known/jwks.json. Anyone can check a checkpoint against it without holding a secret, and nobody who
 * receives checkpoints (a chat channel, a monitor, a log pipeline) can forge one; with an HMAC every checker
 * would need the key, and so could forge. The token has no audience, no expiry and a type of its own, so it is
 * nothing AWS would take as a web identity token. The copy kept in the store also carries an HMAC under the
 * chain key: that is what Rotor's own Verify checks (issuer keys rotate out of the JWKS, the chain key stays).
 *
 * When: after every `everyEvents` events and at least every `everyMs`, checked on each notification sweep of
 * the scheduler (so within seconds of the Nth event); and when the API route is polled after new events.
 */
import { SignJWT } from "jose";
import { randomUUID } from "node:crypto";
import type { AppContext } from "../app-context";
import type { AuditCheckpoint } from "../db/audit-chain";
import { getNewestCheckpoint, putNewestCheckpoint, readAuditHead, readAuditHeadForCheckpoint } from "../db/queries/audit";
import { ensureIssuerKeys, signingKeyOf, SIGNING_ALG } from "../aws-logins/issuer-keys";
import { JWKS_PATH } from "../aws-logins/issuer";
import { env } from "../env";
import { logInfo } from "../log";

export const CHECKPOINT_JWT_TYPE = "rotor-audit-checkpoint+jwt";

export interface SignedCheckpoint extends AuditCheckpoint {
  /** The checkpoint as a JWT signed with the issuer key (claim `rotor_audit`). */
  jwt: string;
  kid: string;
  /** Where the public keys are. */
  jwksUrl: string;
}

export interface CheckpointPolicy {
  everyEvents: number;
  everyMs: number;
}

function issuer() {
  const config = env();
  return { url: config.publicUrl, policy: { tokenTtlSeconds: config.issuer.tokenTtlSeconds, rotationDays: config.issuer.keyRotationDays } };
}

async function sign(app: AppContext, checkpoint: AuditCheckpoint): Promise<{ jwt: string; kid: string }> {
  const { url, policy } = issuer();
  const { current } = await ensureIssuerKeys(app, policy);
  const jwt = await new SignJWT({ rotor_audit: checkpoint })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: current.kid, typ: CHECKPOINT_JWT_TYPE })
    .setIssuer(url)
    .setSubject("rotor:audit-checkpoint")
    .setIssuedAt(Math.floor(Date.parse(checkpoint.at) / 1000))
    .setJti(randomUUID())
    .sign(await signingKeyOf(app, current));
  return { jwt, kid: current.kid };
}

/** Takes, signs and stores a checkpoint of the current head (replacing the newest one unless that is of a later row). */
export async function takeCheckpoint(app: AppContext, { now = new Date() }: { now?: Date } = {}): Promise<SignedCheckpoint> {
  // The head is read under the chain lock, then signed outside any transaction (the issuer keys open their own).
  const { head, key } = await readAuditHeadForCheckpoint({ db: app.db });
  const checkpoint: AuditCheckpoint = { ...head, at: now.toISOString() };
  const { jwt, kid } = await sign(app, checkpoint);
  const signed: SignedCheckpoint = { ...checkpoint, jwt, kid, jwksUrl: `${issuer().url}${JWKS_PATH}` };
  await putNewestCheckpoint({ db: app.db, key, checkpoint: signed });
  return signed;
}

/** The log's copy: one line, with the signed token for whoever collects the log. */
function logCheckpoint(checkpoint: SignedCheckpoint): void {
  logInfo(`audit checkpoint of ${checkpoint.at}: ${checkpoint.count} events, head ${checkpoint.head} at event #${checkpoint.lastId}; signed: ${checkpoint.jwt}`);
}

/**
 * On each notification sweep: a checkpoint (logged, and returned for the webhook event) when `everyEvents`
 * events were added or `everyMs` passed since the newest one; null when none is due.
 */
export async function checkpointIfDue(app: AppContext, policy: CheckpointPolicy, now = new Date()): Promise<SignedCheckpoint | null> {
  const newest = await getNewestCheckpoint<SignedCheckpoint>({ db: app.db });
  if (newest?.authentic) {
    const { lastId } = await readAuditHead({ db: app.db, withCount: false });
    const due = lastId - newest.checkpoint.lastId >= policy.everyEvents || now.getTime() - Date.parse(newest.checkpoint.at) >= policy.everyMs;
    if (!due) return null;
  }
  const checkpoint = await takeCheckpoint(app, { now });
  logCheckpoint(checkpoint);
  return checkpoint;
}

/** For the API route: the newest checkpoint while no event was added since it, else a fresh one (logged too). */
export async function currentCheckpoint(app: AppContext): Promise<SignedCheckpoint> {
  const newest = await getNewestCheckpoint<SignedCheckpoint>({ db: app.db });
  if (newest?.authentic) {
    const { lastId } = await readAuditHead({ db: app.db, withCount: false });
    if (lastId === newest.checkpoint.lastId) return newest.checkpoint;
  }
  const checkpoint = await takeCheckpoint(app);
  logCheckpoint(checkpoint);
  return checkpoint;
}
