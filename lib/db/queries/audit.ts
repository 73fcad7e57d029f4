import "server-only";
import { and, desc, eq, gte, ilike, lt, lte, or, sql, asc, gt, type SQL } from "drizzle-orm";
import { auditEvents, type AuditEvent } from "../schema";
import type { Db, DbOrTx, Tx } from "../client";
import { GENESIS_HASH, computeAuditHash, verifyChainBatch, type ChainVerification } from "../audit-chain";

export interface AuditEventInput {
  actorId?: string | null;
  actorLabel: string;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  targetLabel?: string | null;
  outcome?: "success" | "failure" | "denied";
  ip?: string | null;
  /** Never put a secret value here: details are shown to every viewer. */
  details?: Record<string, unknown>;
  /** The API token the actor used; recorded in the details as `token: { id, name }`. */
  viaToken?: { id: string; name: string };
}

// Appends are serialized so that each row links to exactly one predecessor, across processes too.
const AUDIT_CHAIN_LOCK = 7260462;

/** Appends an event inside the caller's transaction, so it commits or rolls back with the change it records. */
export async function insertAuditEvent({ tx, event }: { tx: Tx; event: AuditEventInput }): Promise<AuditEvent> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  // The chain's head and the next id in one statement, AFTER the lock (a statement's snapshot is taken when it
  // starts, so the head must not be read by the statement that waits for the lock). The id is taken under the
  // lock and hashed with the row, so the chain order is the id order.
  const [head] = rowsOf<{ hash: string | null; id: string }>(
    await tx.execute(sql`select (select ${auditEvents.hash} from ${auditEvents} order by ${auditEvents.id} desc limit 1) as hash,
      nextval(pg_get_serial_sequence('audit_events', 'id')) as id`),
  );
  const prevHash = head?.hash ?? GENESIS_HASH;
  const id = head!.id;
  const fields = {
    id: Number(id),
    at: new Date(),
    actorId: event.actorId ?? null,
    actorLabel: event.actorLabel,
    action: event.action,
    targetType: event.targetType ?? null,
    targetId: event.targetId ?? null,
    targetLabel: event.targetLabel ?? null,
    outcome: event.outcome ?? "success",
    ip: event.ip ?? null,
    details: event.viaToken ? { ...event.details, token: event.viaToken } : (event.details ?? {}),
  };
  const hash = computeAuditHash(prevHash, fields);
  const [row] = await tx.insert(auditEvents).values({ ...fields, prevHash, hash }).returning();
  return row;
}

/** Drivers differ: node-postgres returns `{ rows }`, PGlite returns `{ rows }` too but typed apart. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

/** Appends an event in its own transaction (for events that record no other change, like a failed sign-in). */
export async function recordAuditEvent({ db, event }: { db: Db; event: AuditEventInput }): Promise<AuditEvent> {
  return db.transaction((tx) => insertAuditEvent({ tx, event }));
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  from?: Date;
  to?: Date;
}

function filterConditions(filter: AuditFilter): SQL[] {
  const conditions: SQL[] = [];
  // Exact (case-insensitive), so audit_events_actor_label_idx serves it at any size; the page's typeahead
  // (suggestActorLabels) turns a partial name into an exact one. A substring match cannot use a b-tree.
  if (filter.actor) conditions.push(sql`${actorKey} = lower(${filter.actor.trim()}) collate "C"`);
  if (filter.action) conditions.push(ilike(auditEvents.action, `${escapeLike(filter.action)}%`));
  if (filter.target) {
    const pattern = `%${escapeLike(filter.target)}%`;
    conditions.push(or(ilike(auditEvents.targetLabel, pattern), eq(auditEvents.targetId, filter.target), ilike(auditEvents.targetType, pattern))!);
  }
  if (filter.from) conditions.push(gte(auditEvents.at, filter.from));
  if (filter.to) conditions.push(lte(auditEvents.at, filter.to));
  return conditions;
}

/** The expression audit_events_actor_label_idx is built on: queries must spell it the same to use it. */
const actorKey = sql`(lower(${auditEvents.actorLabel}) collate "C")`;

/**
 * Up to `limit` distinct actor labels (lowercased) starting with `prefix`, in order: a loose index scan
 * (one index probe per label) over audit_events_actor_label_idx, so it costs the same at a million events.
 */
export async function suggestActorLabels({ db, prefix, limit = 10 }: { db: DbOrTx; prefix: string; limit?: number }): Promise<string[]> {
  const typed = prefix.trim();
  if (!typed) return [];
  // Lowercased by the store (as the index is), and bounded by the prefix followed by the last code point:
  // in "C" order that range holds exactly the labels that start with it.
  const start = sql`lower(${typed}) collate "C"`;
  const end = sql`(lower(${typed}) || chr(1114111)) collate "C"`;
  const rows = rowsOf<{ label: string }>(
    await db.execute(sql`
      with recursive labels(label, n) as (
        (select ${actorKey} as label, 1 as n from ${auditEvents}
          where ${actorKey} >= ${start} and ${actorKey} < ${end} order by 1 limit 1)
        union all
        select (select ${actorKey} from ${auditEvents}
                 where ${actorKey} > labels.label and ${actorKey} < ${end} order by 1 limit 1), n + 1
        from labels where labels.label is not null and n < ${limit}
      )
      select label from labels where label is not null`),
  );
  return rows.map((r) => r.label);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Newest first, keyset-paginated by id: `before` is the smallest id of the previous page. */
export async function listAuditEvents({
  db,
  filter,
  before,
  limit,
}: {
  db: DbOrTx;
  filter: AuditFilter;
  before?: number;
  limit: number;
}): Promise<{ events: AuditEvent[]; nextBefore: number | null }> {
  const conditions = filterConditions(filter);
  if (before) conditions.push(lt(auditEvents.id, before));
  const rows = await db
    .select()
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(limit + 1);
  const events = rows.slice(0, limit);
  return { events, nextBefore: rows.length > limit ? events[events.length - 1].id : null };
}

/** Walks the whole chain in id order, in batches, and reports the first row that breaks it. */
export async function verifyAuditChain({ db, batchSize = 1000 }: { db: DbOrTx; batchSize?: number }): Promise<ChainVerification> {
  let prevHash = GENESIS_HASH;
  let afterId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(gt(auditEvents.id, afterId))
      .orderBy(asc(auditEvents.id))
      .limit(batchSize);
    if (rows.length === 0) return { ok: true, checked };
    const result = verifyChainBatch(rows, prevHash);
    if (!result.ok) {
      const position = rows.findIndex((r) => r.id === result.firstBrokenId);
      return { ok: false, checked: checked + position, firstBrokenId: result.firstBrokenId, reason: result.reason };
    }
    checked += rows.length;
    prevHash = result.lastHash;
    afterId = rows[rows.length - 1].id;
  }
}
