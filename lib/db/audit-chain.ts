/**
 * The audit log's hash chain. Each event's hash covers the previous event's hash and the event's own fields
 * in a canonical form, so editing, removing or reordering any stored row is detected by `verifyAuditChain`.
 *
 * It lives with the store, not in lib/audit, because each hash is computed inside the append transaction under
 * the chain lock (lib/db/queries/audit.ts), and lib/db imports no upper layer. lib/audit holds what is built on
 * the log: its filters and the CSV export.
 */
import { createHash } from "node:crypto";

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

export function computeAuditHash(prevHash: string, event: ChainedFields): string {
  const body = canonicalJson({
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
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}

export type ChainVerification =
  | { ok: true; checked: number }
  | { ok: false; checked: number; firstBrokenId: number; reason: string };

/** Checks rows given in ascending id order, continuing from `prevHash` (for batch-wise verification). */
export function verifyChainBatch(
  rows: readonly (ChainedFields & { prevHash: string; hash: string })[],
  prevHash: string,
): { ok: true; lastHash: string } | { ok: false; firstBrokenId: number; reason: string } {
  let expectedPrev = prevHash;
  for (const row of rows) {
    if (row.prevHash !== expectedPrev) {
      return { ok: false, firstBrokenId: row.id, reason: "does not link to the previous event (a row before it was removed or changed)" };
    }
    if (computeAuditHash(row.prevHash, row) !== row.hash) {
      return { ok: false, firstBrokenId: row.id, reason: "its contents do not match its hash (the row was changed)" };
    }
    expectedPrev = row.hash;
  }
  return { ok: true, lastHash: expectedPrev };
}
