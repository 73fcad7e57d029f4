import "server-only";
/**
 * Verify: the chain in itself (every link, every hash — keyed from the switch point on), then against the
 * newest checkpoint the store knows, so that a chain cut short at its end (the newest rows deleted) is
 * reported too: a shorter chain links up perfectly, but not to the head a checkpoint saw.
 */
import type { DbOrTx } from "../db/client";
import { chainStartAuthentic, getNewestCheckpoint, readAuditChain, verifyAuditChain } from "../db/queries/audit";
import type { AuditCheckpoint } from "../db/audit-chain";

export interface AuditVerification {
  ok: boolean;
  /** Events checked (up to the first broken one). */
  checked: number;
  /** The first row hashed with the chain key (null: the chain was never keyed). */
  keyedFromId: number | null;
  /** The checkpoint compared with, if any. */
  checkpoint: { at: string; lastId: number; count: number } | null;
  /** The first broken row, when it is a row. */
  firstBrokenId?: number;
  /** One sentence for the person who pressed Verify. */
  message: string;
}

export async function verifyAudit({ db, batchSize }: { db: DbOrTx; batchSize?: number }): Promise<AuditVerification> {
  const chain = await readAuditChain({ db });
  const keyedFromId = chain?.keyedFromId ?? null;
  const keyedNote = keyedFromId === null ? "the chain is not keyed" : `keyed from event #${keyedFromId}`;
  const fail = (checked: number, message: string, extra: Partial<AuditVerification> = {}): AuditVerification => ({
    ok: false,
    checked,
    keyedFromId,
    checkpoint: null,
    message,
    ...extra,
  });
  if (chain && !chainStartAuthentic(chain)) {
    return fail(0, `The record of where the keyed chain starts (event #${keyedFromId}) was altered: it does not carry the chain key's HMAC.`);
  }
  const newest = chain ? await getNewestCheckpoint<AuditCheckpoint>({ db }) : null;
  if (newest && !newest.authentic) {
    return fail(0, `The newest checkpoint (of ${newest.checkpoint.at}) was altered: it does not carry the chain key's HMAC.`);
  }
  const checkpoint = newest?.checkpoint ?? null;
  const seen = checkpoint ? { at: checkpoint.at, lastId: checkpoint.lastId, count: checkpoint.count } : null;
  const walk = await verifyAuditChain({ db, watchId: checkpoint?.lastId, batchSize });
  if (!walk.ok) {
    return fail(walk.checked, `The audit chain is broken at event #${walk.firstBrokenId}: ${walk.reason} (${keyedNote}).`, { firstBrokenId: walk.firstBrokenId, checkpoint: seen });
  }
  if (checkpoint && checkpoint.lastId > 0) {
    if (walk.lastId < checkpoint.lastId || walk.checked < checkpoint.count) {
      return fail(
        walk.checked,
        `The chain ends at event #${walk.lastId} (${walk.checked} events) but the checkpoint of ${checkpoint.at} saw ${checkpoint.count} events up to #${checkpoint.lastId}: the newest events were deleted.`,
        { checkpoint: seen },
      );
    }
    if (walk.hashAt !== checkpoint.head) {
      return fail(
        walk.checked,
        `Event #${checkpoint.lastId} does not carry the hash the checkpoint of ${checkpoint.at} saw: the chain up to it was rewritten.`,
        { firstBrokenId: checkpoint.lastId, checkpoint: seen },
      );
    }
  }
  const against = checkpoint ? `; it matches the checkpoint of ${checkpoint.at} (${checkpoint.count} events)` : "; no checkpoint yet";
  return { ok: true, checked: walk.checked, keyedFromId, checkpoint: seen, message: `The audit chain is intact (${walk.checked} events checked; ${keyedNote}${against}).` };
}
