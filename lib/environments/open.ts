import "server-only";
/**
 * Opening an environment: the document an application reads (values, each rotator's current and previous,
 * the exported variables) exactly as it stood at one revision, plus when each credential changes next.
 *
 * The document is the revision's own (its snapshot, or the newest snapshot before it with the deltas up to it:
 * lib/environments/revisions.ts), so it is consistent by construction (never half one rotation and half the
 * next) and "open at revision N" is exact. The rotation times are today's.
 *
 * Every open is recorded: which consumer (token or user) received which revision — what lets Rotor warn
 * before it retires a credential someone still holds — and, for a full read, an audit event.
 */
import type { AppContext, Actor } from "../app-context";
import { byActor } from "../app-context";
import { AppError } from "../errors";
import type { Environment } from "../db/schema";
import { getOldestRevisionNumber } from "../db/queries/environments";
import { listRotatorsByEnvironment } from "../db/queries/rotators";
import { upsertConsumer } from "../db/queries/consumers";
import { insertAuditEvent } from "../db/queries/audit";
import { loadRevisionDocument } from "./revisions";
import { loadScheduleCoverage } from "../schedules/service";
import { rotatorStatusDetail } from "../rotation/status";
import { resolveExports } from "./exports";
import type { Credential, RotatorType } from "../rotators/types";

export interface OpenedRotator {
  type: RotatorType;
  current: Credential | null;
  previous: Credential | null;
  rotatedAt: string | null;
  nextRotationAt: string | null;
  /** The earliest moment the previous credential may stop working: the next rotation Rotor has planned
   *  (null: none is scheduled — it stays valid until someone rotates). */
  previousValidUntil: string | null;
}

export interface OpenedEnvironment {
  environment: string;
  revision: number;
  values: Record<string, string>;
  rotators: Record<string, OpenedRotator>;
  exports: Record<string, string>;
  /** Exported variables that cannot be resolved at this revision (e.g. a rotator that never rotated). */
  exportErrors: Record<string, string>;
}

export async function openEnvironment(app: AppContext, { environment, revision }: { environment: Environment; revision?: number }): Promise<OpenedEnvironment> {
  const number = revision ?? environment.currentRevision;
  const document = await loadRevisionDocument({ db: app.db, keyring: app.keyring, environmentId: environment.id, revision: number });
  if (!document) {
    // Older revisions may have been pruned (ROTOR_REVISION_RETENTION_DAYS): say which ones are kept.
    const oldest = (await getOldestRevisionNumber({ db: app.db, environmentId: environment.id })) ?? 1;
    throw new AppError("not-found", `${environment.name} has no revision ${number} (its revisions are ${oldest} to ${environment.currentRevision}).`, {
      fieldErrors: { revision: `No revision ${number}` },
    });
  }
  const rows = await listRotatorsByEnvironment({ db: app.db, environmentId: environment.id });
  const coverage = await loadScheduleCoverage({ db: app.db, rotators: rows });
  const now = new Date();
  const rotators: Record<string, OpenedRotator> = {};
  for (const [name, entry] of Object.entries(document.rotators)) {
    const live = rows.find((r) => r.name === name);
    const detail = live ? rotatorStatusDetail(live, now, coverage.get(live.id)) : undefined;
    const next = [detail?.nextAttemptAt, detail?.nextRunAt].filter((d): d is Date => Boolean(d)).sort((a, b) => a.getTime() - b.getTime())[0];
    rotators[name] = {
      type: entry.type,
      current: entry.current,
      previous: entry.previous,
      rotatedAt: live?.lastRotatedAt?.toISOString() ?? null,
      nextRotationAt: next?.toISOString() ?? null,
      previousValidUntil: next?.toISOString() ?? null,
    };
  }
  const resolved = resolveExports(document.exports ?? {}, document);
  return { environment: environment.name, revision: number, values: document.values, rotators, exports: resolved.values, exportErrors: resolved.errors };
}

/** How often a consumer that keeps confirming the same revision (304s) is written at most. */
const CONSUMER_REFRESH_MS = 60_000;

export interface Consumer {
  key: string;
  tokenId: string | null;
  userId: string | null;
  label: string;
}

/** The consumer an actor is: its token, or (dashboard) its user. */
export function consumerOf(actor: Actor): Consumer | null {
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
