/**
 * The audit log's hash chain. Each event's hash covers the previous event's hash and the event's own fields
 * in a canonical form, so editing, removing or reordering any stored row is detected by verification.
 *
 * Two hash functions, one switch point. Rows written before the chain was keyed carry an unkeyed SHA-256:
 * anyone can recompute it, so someone able to write to the store could rewrite a row and every later hash.
 * From the recorded switch point on, every row carries an HMAC-SHA256 under the chain key, which the store
 * holds only encrypted under the master key (lib/db/queries/audit.ts, openAuditChainKey): without the master
 * key a rewritten row cannot be given a hash that verifies.
 *
 * It lives with the store, not in lib/audit, because each hash is computed inside the append transaction under
 * the chain lock (lib/db/queries/audit.ts), and lib/db imports no upper layer. lib/audit holds what is built on
 * the log: its filters, the CSV export, checkpoints and Verify.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const GENESIS_HASH = "0".repeat(64);

export interface ChainedFields {
  id: number;
  at: Date;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetLabel: string | null;
  outcome: string;
  ip: string | null;
  details: unknown;
}

/** JSON with object keys sorted, so the same value always hashes the same (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

function canonicalEvent(event: ChainedFields): string {
  return canonicalJson({
    id: event.id,
    at: event.at.getTime(),
    actorId: event.actorId,
    actorLabel: event.actorLabel,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    targetLabel: event.targetLabel,
    outcome: event.outcome,
    ip: event.ip,
    details: event.details,
  });
}

/** The unkeyed hash: rows before the switch point, and stores no keyring has opened. */
export function computeAuditHash(prevHash: string, event: ChainedFields): string {
  return createHash("sha256").update(prevHash).update("\n").update(canonicalEvent(event)).digest("hex");
}

/** The keyed hash of rows from the switch point on. */
export function computeKeyedAuditHash(key: Buffer, prevHash: string, event: ChainedFields): string {
  return createHmac("sha256", key).update(prevHash).update("\n").update(canonicalEvent(event)).digest("hex");
}

/** Which hash each row must carry. */
export interface ChainHasher {
  /** The first row id hashed with the key; null when the chain was never keyed. */
  keyedFromId: number | null;
  hash(prevHash: string, event: ChainedFields): string;
}

export function chainHasher(keyed: { key: Buffer; keyedFromId: number } | null): ChainHasher {
  if (!keyed) return { keyedFromId: null, hash: computeAuditHash };
  return {
    keyedFromId: keyed.keyedFromId,
    hash: (prevHash, event) => (event.id >= keyed.keyedFromId ? computeKeyedAuditHash(keyed.key, prevHash, event) : computeAuditHash(prevHash, event)),
  };
}

/** Checks rows given in ascending id order, continuing from `prevHash` (for batch-wise verification). */
export function verifyChainBatch(
  rows: readonly (ChainedFields & { prevHash: string; hash: string })[],
  prevHash: string,
  hasher: ChainHasher = chainHasher(null),
): { ok: true; lastHash: string } | { ok: false; firstBrokenId: number; reason: string } {
  let expectedPrev = prevHash;
  for (const row of rows) {
    if (row.prevHash !== expectedPrev) {
      return { ok: false, firstBrokenId: row.id, reason: "does not link to the previous event (a row before it was removed or changed)" };
    }
    if (hasher.hash(row.prevHash, row) !== row.hash) {
      const keyed = hasher.keyedFromId !== null && row.id >= hasher.keyedFromId;
      return {
        ok: false,
        firstBrokenId: row.id,
        reason: keyed
          ? "its contents do not match its keyed hash (the row was changed, or its hash recomputed without the chain key)"
          : "its contents do not match its hash (the row was changed)",
      };
    }
    expectedPrev = row.hash;
  }
  return { ok: true, lastHash: expectedPrev };
}

// ---- the chain key ---------------------------------------------------------------------------------------

/** The settings row recording the keyed chain: its switch point, and its key encrypted by the keyring. */
export const AUDIT_CHAIN_SETTING = "audit.chain";
export const auditChainKeyContext = (chainId: string) => `settings:${AUDIT_CHAIN_SETTING}:${chainId}`;

export interface StoredAuditChain {
  chainId: string;
  /** The first row id hashed with the key. */
  keyedFromId: number;
  startedAt: string;
  /** The chain key, encrypted by the keyring (rewrapped with every other secret on a master key rotation). */
  keyCiphertext: string;
  /** HMAC of chainId and keyedFromId under the key: moving the switch point (to pass keyed rows off as old ones) shows. */
  mac: string;
}

export interface AuditChainKey {
  chainId: string;
  keyedFromId: number;
  key: Buffer;
}

// Opened keys live in this process only, by chain id (a process, or a test, may open several stores). On
// globalThis, as the keyring itself: Next.js bundles this module more than once (instrumentation, where the
// keyring opens the store, and each server chunk that writes audit events), and a module-level map would be
// empty in every copy but the first.
const globalKeys = globalThis as unknown as { __rotorAuditChainKeys?: Map<string, AuditChainKey> };
const opened = (globalKeys.__rotorAuditChainKeys ??= new Map<string, AuditChainKey>());

export function rememberChainKey(key: AuditChainKey): void {
  opened.set(key.chainId, key);
}

/**
 * The key of a stored chain, as this process opened it. Throws when the chain is keyed but no keyring of this
 * process opened the store: an unkeyed row after the switch point would break the chain.
 */
export function openedKeyFor(chain: Pick<StoredAuditChain, "chainId">): AuditChainKey {
  const key = opened.get(chain.chainId);
  if (!key) throw new Error("The audit chain is keyed but its key is not open in this process (open the store through the keyring first).");
  return key;
}

export function macOf(key: Buffer, ...parts: (string | number)[]): string {
  return createHmac("sha256", key).update(parts.join("\n")).digest("hex");
}

export function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const chainStartMac = (key: Buffer, chain: Pick<StoredAuditChain, "chainId" | "keyedFromId">) =>
  macOf(key, "rotor-audit-chain-start", chain.chainId, chain.keyedFromId);

// ---- checkpoints -----------------------------------------------------------------------------------------

/** The settings row holding the newest checkpoint (lib/audit/checkpoint.ts). */
export const AUDIT_CHECKPOINT_SETTING = "audit.checkpoint";

/** The head of the chain at one moment. */
export interface AuditCheckpoint {
  /** The newest row (0: no events yet). */
  lastId: number;
  /** Its hash: the chain's head. */
  head: string;
  /** How many events the chain held. */
  count: number;
  at: string;
}

export const checkpointMac = (key: AuditChainKey, c: AuditCheckpoint) => macOf(key.key, "rotor-audit-checkpoint", key.chainId, c.lastId, c.head, c.count, c.at);
