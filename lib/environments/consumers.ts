import "server-only";
/**
 * Consumers: who read an environment (a token through the API, or a user), when, and which revision they
 * hold — and, for a rotator, who would lose a credential if it rotated now.
 *
 * A rotation retires the rotator's `previous` credential. A consumer still holds it when the revision it last
 * received is older than the rotator's state_revision (the revision that made today's `current` current): it
 * never fetched the new credential, so it still uses the one that is now `previous`. Rotating again would
 * lock it out. `consumersBehindRotator` is that computation, for the rotator page, the Rotate now
 * confirmation, the REST API and the rotation engine's lockout guard alike.
 *
 * Consumers are recorded per token, not per process: a fleet sharing one token is one consumer, holding the
 * revision its most recent reader received. Every open records one (recordOpen), and a full read is audited.
 */
import type { AppContext, Actor } from "../app-context";
import { byActor } from "../app-context";
import type { DbOrTx } from "../db/client";
import type { Environment, RotatorRow } from "../db/schema";
import { listConsumersByEnvironment, upsertConsumer, type ConsumerWithToken } from "../db/queries/consumers";
import { insertAuditEvent } from "../db/queries/audit";
import { getRotatorById, listRotatorsByEnvironment } from "../db/queries/rotators";

export interface ConsumerView {
  label: string;
  kind: "token" | "user";
  tokenId: string | null;
  /** A token that can no longer read (revoked or expired) will never pick up a new revision. */
  tokenState: "active" | "revoked" | "expired" | null;
  /** The revision it last received (a 304 confirms it still holds it). */
  revision: number;
  firstOpenedAt: string;
  lastOpenedAt: string;
}

export interface EnvironmentConsumer extends ConsumerView {
  /** Whether it holds the environment's current revision. */
  current: boolean;
  /** Rotators whose current credential it has not received (it still uses their previous one). */
  behindOn: string[];
}

function tokenState(row: ConsumerWithToken, now: Date): ConsumerView["tokenState"] {
  if (!row.tokenId) return null;
  if (row.tokenRevokedAt) return "revoked";
  if (row.tokenExpiresAt && row.tokenExpiresAt <= now) return "expired";
  return "active";
}

function toConsumerView(row: ConsumerWithToken, now = new Date()): ConsumerView {
  return {
    label: row.label,
    kind: row.tokenId ? "token" : "user",
    tokenId: row.tokenId,
    tokenState: tokenState(row, now),
    revision: row.revision,
    firstOpenedAt: row.firstOpenedAt.toISOString(),
    lastOpenedAt: row.lastOpenedAt.toISOString(),
  };
}

type RotatorState = Pick<RotatorRow, "name" | "stateRevision" | "stateSummary">;

/**
 * The one rule: rotating `rotator` now would retire a credential this consumer still uses. There must be a
 * credential to retire (a `previous`), the consumer's revision must predate the one that made `current`
 * current, and the consumer must still be able to read (a revoked or expired token was cut off on purpose
 * and will never pick anything up).
 */
function stillHoldsPrevious(consumer: ConsumerView, rotator: RotatorState): boolean {
  const summary = rotator.stateSummary as { previous?: unknown } | null;
  if (rotator.stateRevision === null || summary?.previous == null) return false;
  if (consumer.tokenState === "revoked" || consumer.tokenState === "expired") return false;
  return consumer.revision < rotator.stateRevision;
}

/** Who read the environment, most recent first, with whether each holds the current revision and credentials. */
export async function listEnvironmentConsumers({ db, environment }: { db: DbOrTx; environment: Pick<Environment, "id" | "currentRevision"> }): Promise<EnvironmentConsumer[]> {
  const [rows, rotators] = await Promise.all([
    listConsumersByEnvironment({ db, environmentId: environment.id }),
    listRotatorsByEnvironment({ db, environmentId: environment.id }),
  ]);
  const now = new Date();
  return rows.map((row) => {
    const view = toConsumerView(row, now);
    return { ...view, current: row.revision >= environment.currentRevision, behindOn: rotators.filter((r) => stillHoldsPrevious(view, r)).map((r) => r.name) };
  });
}

export interface ConsumersBehind {
  rotator: string;
  /** The revision that introduced the rotator's current credential (null: it has none yet). */
  revision: number | null;
  /** Consumers that can still read and hold an older revision: rotating now retires the credential they use. */
  consumers: ConsumerView[];
}

/**
 * The consumers a rotation of this rotator would lock out now: those that still hold its `previous`
 * credential as their current one. Empty when the rotator has no previous credential to retire.
 */
export async function consumersBehindRotator({ db, rotator }: { db: DbOrTx; rotator: RotatorState & Pick<RotatorRow, "environmentId"> }): Promise<ConsumersBehind> {
  const rows = await listConsumersByEnvironment({ db, environmentId: rotator.environmentId });
  const now = new Date();
  const consumers = rows.map((row) => toConsumerView(row, now)).filter((c) => stillHoldsPrevious(c, rotator));
  return { rotator: rotator.name, revision: rotator.stateRevision, consumers };
}

/** "2 consumers have not picked up revision 14 yet: token ci (revision 12), token web (revision 13)", or null. */
export function describeConsumersBehind(behind: ConsumersBehind): string | null {
  const n = behind.consumers.length;
  if (n === 0 || behind.revision === null) return null;
  const names = behind.consumers.map((c) => `${c.label} (revision ${c.revision})`).join(", ");
  return `${n} consumer${n === 1 ? " has" : "s have"} not picked up revision ${behind.revision} yet: ${names}. Rotating ${behind.rotator} now retires the credential ${n === 1 ? "it still uses" : "they still use"}.`;
}

/** The warning for each rotator (by id) that a Rotate now button is shown for; null where nobody is behind. */
export async function consumersBehindWarnings({ db, rotatorIds }: { db: DbOrTx; rotatorIds: readonly string[] }): Promise<Map<string, string | null>> {
  const entries = await Promise.all(
    rotatorIds.map(async (id) => {
      const rotator = await getRotatorById({ db, id });
      return [id, rotator ? describeConsumersBehind(await consumersBehindRotator({ db, rotator })) : null] as const;
    }),
  );
  return new Map(entries);
}

/** The same warning for rotating a whole environment, from its consumers list; null where nobody is behind. */
export function describeEnvironmentConsumersBehind(consumers: readonly EnvironmentConsumer[]): string | null {
  const behind = consumers.filter((c) => c.behindOn.length > 0);
  if (behind.length === 0) return null;
  const n = behind.length;
  const names = behind.map((c) => `${c.label} (revision ${c.revision}: ${c.behindOn.join(", ")})`).join(", ");
  return `${n} consumer${n === 1 ? " has" : "s have"} not picked up the current credentials yet: ${names}. Rotating those rotators now retires the credentials ${n === 1 ? "it still uses" : "they still use"}.`;
}

/** How often a consumer that keeps confirming the same revision (304s) is written at most. */
const CONSUMER_REFRESH_MS = 60_000;

interface Consumer {
  key: string;
  tokenId: string | null;
  userId: string | null;
  label: string;
}

/** The consumer an actor is: its token, or (dashboard) its user. */
function consumerOf(actor: Actor): Consumer | null {
  if (actor.token) {
    return { key: `token:${actor.token.id}`, tokenId: actor.token.id, userId: actor.id, label: actor.id ? `${actor.label} (token ${actor.token.name})` : `token ${actor.token.name}` };
  }
  return actor.id ? { key: `user:${actor.id}`, tokenId: null, userId: actor.id, label: actor.label } : null;
}

/** Records what a consumer received; a full read (not a 304) is also audited as `environment.opened`. */
export async function recordOpen(
  app: AppContext,
  { environment, actor, revision, notModified, format }: { environment: Environment; actor: Actor; revision: number; notModified: boolean; format: string },
) {
  const consumer = consumerOf(actor);
  if (notModified) {
    if (consumer) await upsertConsumer({ db: app.db, consumer: consumerRecord(environment, consumer, revision), refreshEveryMs: CONSUMER_REFRESH_MS });
    return;
  }
  await app.db.transaction(async (tx) => {
    if (consumer) await upsertConsumer({ db: tx, consumer: consumerRecord(environment, consumer, revision), refreshEveryMs: 0 });
    await insertAuditEvent({
      tx,
      event: { ...byActor(actor), action: "environment.opened", targetType: "environment", targetId: environment.id, targetLabel: environment.name, details: { revision, format } },
    });
  });
}

function consumerRecord(environment: Environment, consumer: Consumer, revision: number) {
  return { environmentId: environment.id, consumerKey: consumer.key, tokenId: consumer.tokenId, userId: consumer.userId, label: consumer.label, revision };
}
