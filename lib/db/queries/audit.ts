import "server-only";
import { and, desc, eq, gte, ilike, lt, lte, or, sql, asc, gt, type SQL } from "drizzle-orm";
import { auditEvents, settings, type AuditEvent } from "../schema";
import type { Db, DbOrTx, Tx } from "../client";
import { randomUUID } from "node:crypto";
import {
  AUDIT_CHAIN_SETTING,
  AUDIT_CHECKPOINT_SETTING,
  GENESIS_HASH,
  auditChainKeyContext,
  chainHasher,
  chainStartMac,
  checkpointMac,
  computeAuditHash,
  computeKeyedAuditHash,
  openedKeyFor,
  rememberChainKey,
  sameMac,
  verifyChainBatch,
  type AuditChainKey,
  type AuditCheckpoint,
  type ChainHasher,
  type StoredAuditChain,
} from "../audit-chain";
import { getSetting, putSetting } from "./keys";
import { ADVISORY_LOCKS } from "../advisory-locks";

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

// Appends are serialized so that each row links to exactly one predecessor, across processes too; keying the
// chain and reading the head for a checkpoint hold the same lock, so they see a head nobody is extending.

async function lockAuditChain(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.auditChain})`);
}

/** The stored record of the keyed chain, if a keyring ever opened this store. */
export function readAuditChain({ db }: { db: DbOrTx }): Promise<StoredAuditChain | undefined> {
  return getSetting<StoredAuditChain>({ db, key: AUDIT_CHAIN_SETTING });
}

/** What openAuditChainKey needs of the keyring (lib/crypto/keyring.ts; lib/db does not import it). */
export interface ChainKeyring {
  derive(purpose: string): string;
  encrypt(plaintext: string, context: string): string;
  decrypt(ciphertext: string, context: string): string;
}

/**
 * When a keyring opens the store (lib/crypto/keyring.ts): opens the chain key, or, the first time, keys the
 * chain from the next row on. The key is derived from the master key (`derive("audit-chain")`) and stored only
 * encrypted by the keyring, so the store cannot recompute a keyed hash, and a later master key (after a
 * rotation re-wraps it) keeps the same chain key. Rows before the switch point keep their unkeyed hashes.
 */
export async function openAuditChainKey({ db, keyring, now = new Date() }: { db: Db; keyring: ChainKeyring; now?: Date }): Promise<AuditChainKey & { startAuthentic: boolean }> {
  return db.transaction(async (tx) => {
    await lockAuditChain(tx);
    const stored = await readAuditChain({ db: tx });
    if (stored) {
      const key = Buffer.from(keyring.decrypt(stored.keyCiphertext, auditChainKeyContext(stored.chainId)), "base64");
      const open = { chainId: stored.chainId, keyedFromId: stored.keyedFromId, key };
      rememberChainKey(open);
      return { ...open, startAuthentic: sameMac(chainStartMac(key, stored), stored.mac) };
    }
    const key = Buffer.from(keyring.derive("audit-chain"), "base64url");
    const chainId = randomUUID();
    const [{ next }] = rowsOf<{ next: string | number }>(await tx.execute(sql`select coalesce(max(id), 0) + 1 as next from audit_events`));
    const keyedFromId = Number(next);
    const record: StoredAuditChain = {
      chainId,
      keyedFromId,
      startedAt: now.toISOString(),
      keyCiphertext: keyring.encrypt(key.toString("base64"), auditChainKeyContext(chainId)),
      mac: chainStartMac(key, { chainId, keyedFromId }),
    };
    await putSetting({ db: tx, key: AUDIT_CHAIN_SETTING, value: record });
    const open = { chainId, keyedFromId, key };
    rememberChainKey(open);
    return { ...open, startAuthentic: true };
  });
}

/** Whether the stored switch point carries the chain key's HMAC. */
export function chainStartAuthentic(chain: StoredAuditChain): boolean {
  return sameMac(chainStartMac(openedKeyFor(chain).key, chain), chain.mac);
}

/** Appends an event inside the caller's transaction, so it commits or rolls back with the change it records. */
export async function insertAuditEvent({ tx, event }: { tx: Tx; event: AuditEventInput }): Promise<AuditEvent> {
  await lockAuditChain(tx);
  // The chain's head, the next id and the chain's stored record in one statement, AFTER the lock (a statement's
  // snapshot is taken when it starts, so the head must not be read by the statement that waits for the lock).
  // The id is taken under the lock and hashed with the row, so the chain order is the id order.
  const [head] = rowsOf<{ hash: string | null; id: string; chain: StoredAuditChain | null }>(
    await tx.execute(sql`select (select ${auditEvents.hash} from ${auditEvents} order by ${auditEvents.id} desc limit 1) as hash,
      nextval(pg_get_serial_sequence('audit_events', 'id')) as id,
      (select ${settings.value} from ${settings} where ${settings.key} = ${AUDIT_CHAIN_SETTING}) as chain`),
  );
  const prevHash = head?.hash ?? GENESIS_HASH;
  const id = head!.id;
  // Keyed once a keyring opened this store: every new row then gets the HMAC, whatever the stored switch point
  // says (a moved switch point is Verify's to report, not a reason to write weaker rows).
  const key = head!.chain ? openedKeyFor(head!.chain).key : null;
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
  const hash = key ? computeKeyedAuditHash(key, prevHash, fields) : computeAuditHash(prevHash, fields);
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
  const rows = await db.select().from(auditEvents).where(pageWhere(filter, before)).orderBy(desc(auditEvents.id)).limit(limit + 1);
  return pageOf(rows, limit);
}

/** What the CSV export reads of an event (lib/audit/csv.ts writes it): not the chain's prev_hash, nor the actor's id. */
const csvColumns = {
  id: auditEvents.id,
  at: auditEvents.at,
  actorLabel: auditEvents.actorLabel,
  action: auditEvents.action,
  outcome: auditEvents.outcome,
  targetType: auditEvents.targetType,
  targetId: auditEvents.targetId,
  targetLabel: auditEvents.targetLabel,
  ip: auditEvents.ip,
  details: auditEvents.details,
  hash: auditEvents.hash,
};

export type AuditCsvEvent = Pick<AuditEvent, keyof typeof csvColumns>;

/** listAuditEvents with only the exported columns, for the CSV export (lib/audit/csv-export.ts). */
export async function listAuditEventsForCsv({ db, filter, before, limit }: { db: DbOrTx; filter: AuditFilter; before?: number; limit: number }): Promise<{ events: AuditCsvEvent[]; nextBefore: number | null }> {
  const rows = await db.select(csvColumns).from(auditEvents).where(pageWhere(filter, before)).orderBy(desc(auditEvents.id)).limit(limit + 1);
  return pageOf(rows, limit);
}

function pageWhere(filter: AuditFilter, before: number | undefined): SQL | undefined {
  const conditions = filterConditions(filter);
  if (before) conditions.push(lt(auditEvents.id, before));
  return conditions.length ? and(...conditions) : undefined;
}

/** A page read with `limit + 1` rows: the extra one only says there is a next page. */
function pageOf<T extends { id: number }>(rows: T[], limit: number): { events: T[]; nextBefore: number | null } {
  const events = rows.slice(0, limit);
  return { events, nextBefore: rows.length > limit ? events[events.length - 1].id : null };
}

/** The chain's head: the newest row's id and hash (0 and the genesis hash when empty), and the event count. */
export async function readAuditHead({ db, withCount = true }: { db: DbOrTx; withCount?: boolean }): Promise<{ lastId: number; head: string; count: number }> {
  const [last] = await db.select({ id: auditEvents.id, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  const count = withCount ? Number((await db.select({ n: sql<string>`count(*)` }).from(auditEvents))[0].n) : 0;
  return { lastId: last?.id ?? 0, head: last?.hash ?? GENESIS_HASH, count };
}

/** The head read under the chain lock (nobody is appending), with the key that authenticates a checkpoint of it. */
export async function readAuditHeadForCheckpoint({ db }: { db: Db }): Promise<{ head: { lastId: number; head: string; count: number }; key: AuditChainKey }> {
  return db.transaction(async (tx) => {
    await lockAuditChain(tx);
    const chain = await readAuditChain({ db: tx });
    if (!chain) throw new Error("The audit chain is not keyed: open the store through the keyring first.");
    return { head: await readAuditHead({ db: tx }), key: openedKeyFor(chain) };
  });
}

type StoredCheckpoint<T> = T & AuditCheckpoint & { chainId: string; mac: string };

/** Stores a checkpoint with its HMAC, unless a newer one (of a later row) is already stored. */
export async function putNewestCheckpoint<T extends AuditCheckpoint>({ db, key, checkpoint }: { db: Db; key: AuditChainKey; checkpoint: T }): Promise<void> {
  await db.transaction(async (tx) => {
    await lockAuditChain(tx);
    const newest = await getSetting<StoredCheckpoint<T>>({ db: tx, key: AUDIT_CHECKPOINT_SETTING });
    if (newest && newest.chainId === key.chainId && newest.lastId > checkpoint.lastId) return;
    await putSetting({ db: tx, key: AUDIT_CHECKPOINT_SETTING, value: { ...checkpoint, chainId: key.chainId, mac: checkpointMac(key, checkpoint) } });
  });
}

/** The newest stored checkpoint, and whether it carries the chain key's HMAC (null: none yet). */
export async function getNewestCheckpoint<T extends AuditCheckpoint>({ db }: { db: DbOrTx }): Promise<{ checkpoint: T; authentic: boolean } | null> {
  const stored = await getSetting<StoredCheckpoint<T>>({ db, key: AUDIT_CHECKPOINT_SETTING });
  if (!stored) return null;
  const chain = await readAuditChain({ db });
  const authentic = Boolean(chain && chain.chainId === stored.chainId && sameMac(checkpointMac(openedKeyFor(chain), stored), stored.mac));
  const { chainId: _chainId, mac: _mac, ...checkpoint } = stored;
  return { checkpoint: checkpoint as unknown as T, authentic };
}

export type ChainWalk =
  | { ok: true; checked: number; lastId: number; head: string; hashAt?: string }
  | { ok: false; checked: number; firstBrokenId: number; reason: string };

/**
 * Walks the whole chain in id order, in batches, with the hash each row must carry (keyed from the switch
 * point on), and reports the first row that breaks it; `watchId`: also the hash of that row (for a checkpoint).
 */
export async function verifyAuditChain({ db, watchId, batchSize = 1000 }: { db: DbOrTx; watchId?: number; batchSize?: number }): Promise<ChainWalk & { keyedFromId: number | null }> {
  const chain = await readAuditChain({ db });
  const hasher: ChainHasher = chainHasher(chain ? { key: openedKeyFor(chain).key, keyedFromId: chain.keyedFromId } : null);
  let prevHash = GENESIS_HASH;
  let afterId = 0;
  let checked = 0;
  let hashAt: string | undefined;
  const keyedFromId = hasher.keyedFromId;
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(gt(auditEvents.id, afterId))
      .orderBy(asc(auditEvents.id))
      .limit(batchSize);
    if (rows.length === 0) return { ok: true, checked, lastId: afterId, head: prevHash, keyedFromId, ...(hashAt ? { hashAt } : {}) };
    const result = verifyChainBatch(rows, prevHash, hasher);
    if (!result.ok) {
      const position = rows.findIndex((r) => r.id === result.firstBrokenId);
      return { ok: false, checked: checked + position, firstBrokenId: result.firstBrokenId, reason: result.reason, keyedFromId };
    }
    if (watchId !== undefined) hashAt ??= rows.find((r) => r.id === watchId)?.hash;
    checked += rows.length;
    prevHash = result.lastHash;
    afterId = rows[rows.length - 1].id;
  }
}
