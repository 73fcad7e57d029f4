import "server-only";
/**
 * Sign-in throttling, per account and per client address, kept in the store so that every Rotor instance on
 * one PostgreSQL enforces the same counts.
 *
 * - The first few failures cost nothing; after that each failure makes the next attempt wait (backoff,
 *   doubling up to a cap); at the lock threshold the account or address is locked for ROTOR_SIGNIN_LOCK_MINUTES.
 *   While blocked, attempts are refused without checking the password (a right password too: otherwise the
 *   backoff would not slow a guesser down), and are audited.
 * - An attempt counts as a failure *before* its password is checked and is forgiven if it succeeds. So parallel
 *   attempts cannot all slip through between a check and the count, on one instance or several.
 * - Accounts are keyed by the email as typed (lower-cased), whether or not the account exists: a lock looks
 *   the same for a real and an unknown email.
 * - An admin lifts a lock in Settings (liftSignInLock); a success resets the account's count.
 */
import type { Db } from "../db/client";
import type { SignInThrottle } from "../db/schema";
import {
  deleteSignInThrottle,
  deleteStaleSignInThrottles,
  listSignInLocks,
  lockSignInThrottles,
  updateSignInThrottle,
} from "../db/queries/sign-in-throttles";
import { insertAuditEvent } from "../db/queries/audit";
import { byActor, type Actor } from "../app-context";
import { AppError } from "../errors";

export interface ThrottlePolicy {
  /** Failures within the window that cost nothing. */
  freeFailures: number;
  /** Failures that lock. */
  lockAfter: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = { freeFailures: 4, lockAfter: 10 };
export const ADDRESS_POLICY: ThrottlePolicy = { freeFailures: 30, lockAfter: 100 };
/** Failures older than this (and no lock in force) are forgotten. */
export const FAILURE_WINDOW_MS = 15 * 60_000;
const MAX_BACKOFF_MS = 8_000;

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
  /** As shown to admins and in the audit: "account bob@example.com", "address 203.0.113.9". */
  label: string;
}

export function throttleKeys(email: string, ip: string | null): ThrottleKey[] {
  const account = email.trim().toLowerCase().slice(0, 320);
  const keys: ThrottleKey[] = [{ key: `account:${account}`, policy: ACCOUNT_POLICY, label: `account ${account}` }];
  if (ip) keys.push({ key: `address:${ip}`, policy: ADDRESS_POLICY, label: `address ${ip}` });
  return keys;
}

export function labelOfKey(key: string): string {
  const [kind, ...rest] = key.split(":");
  return `${kind} ${rest.join(":")}`;
}

/** When the next attempt may be checked after `failures` failures, the last one at `at`. */
function blockAfter(failures: number, policy: ThrottlePolicy, at: Date, lockMinutes: number): { blockedUntil: Date | null; locked: boolean } {
  if (failures >= policy.lockAfter) return { blockedUntil: new Date(at.getTime() + lockMinutes * 60_000), locked: true };
  if (failures <= policy.freeFailures) return { blockedUntil: null, locked: false };
  const backoff = Math.min(1000 * 2 ** (failures - policy.freeFailures - 1), MAX_BACKOFF_MS);
  return { blockedUntil: new Date(at.getTime() + backoff), locked: false };
}

export type Reservation =
  | { allowed: true; keys: ThrottleKey[]; now: Date; lockMinutes: number; lockedNow: ThrottleKey[] }
  | { allowed: false; retryAfterSeconds: number; locked: boolean; by: ThrottleKey };

/**
 * Counts an attempt as a failure in advance, unless a block is in force. `lockedNow` lists the keys this
 * attempt's failure would lock (audited by the caller once the failure is confirmed).
 */
export async function reserveSignInAttempt({
  db,
  keys,
  lockMinutes,
  now = new Date(),
}: {
  db: Db;
  keys: ThrottleKey[];
  lockMinutes: number;
  now?: Date;
}): Promise<Reservation> {
  if (Math.random() < 0.01) await deleteStaleSignInThrottles({ db, now, before: new Date(now.getTime() - FAILURE_WINDOW_MS) });
  return db.transaction(async (tx) => {
    const rows = await lockSignInThrottles({ tx, keys: keys.map((k) => k.key) });
    for (const key of keys) {
      const row = rows.get(key.key)!;
      if (row.blockedUntil && row.blockedUntil > now) {
        return {
          allowed: false as const,
          retryAfterSeconds: Math.max(1, Math.ceil((row.blockedUntil.getTime() - now.getTime()) / 1000)),
          locked: Boolean(row.lockedAt),
          by: key,
        };
      }
    }
    const lockedNow: ThrottleKey[] = [];
    for (const key of keys) {
      const row = rows.get(key.key)!;
      const stale = row.lastFailureAt.getTime() < now.getTime() - FAILURE_WINDOW_MS;
      const failures = (stale || row.lockedAt ? 0 : row.failures) + 1;
      const block = blockAfter(failures, key.policy, now, lockMinutes);
      if (block.locked) lockedNow.push(key);
      await updateSignInThrottle({ tx, key: key.key, patch: { failures, lastFailureAt: now, blockedUntil: block.blockedUntil, lockedAt: block.locked ? now : null } });
    }
    return { allowed: true as const, keys, now, lockMinutes, lockedNow };
  });
}

/**
 * Takes back an attempt counted in advance: it succeeded (the account's count starts again), or its password
 * was never checked (the server was busy).
 */
export async function forgiveSignInAttempt({ db, reservation, succeeded }: { db: Db; reservation: Extract<Reservation, { allowed: true }>; succeeded: boolean }) {
  await db.transaction(async (tx) => {
    const rows = await lockSignInThrottles({ tx, keys: reservation.keys.map((k) => k.key) });
    for (const key of reservation.keys) {
      const row = rows.get(key.key)!;
      if (succeeded && key.key.startsWith("account:")) {
        await deleteSignInThrottle({ db: tx, key: key.key });
        continue;
      }
      const failures = Math.max(0, row.failures - 1);
      const block = blockAfter(failures, key.policy, row.lastFailureAt, reservation.lockMinutes);
      await updateSignInThrottle({ tx, key: key.key, patch: { failures, blockedUntil: block.blockedUntil, lockedAt: block.locked ? row.lockedAt : null } });
    }
  });
}

export function listLocks({ db, now = new Date() }: { db: Db; now?: Date }): Promise<SignInThrottle[]> {
  return listSignInLocks({ db, now });
}

/** An admin lifts a lock (or backoff): the key's failures are forgotten. Audited. */
export async function liftSignInLock({ db, actor, key }: { db: Db; actor: Actor; key: string }): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await deleteSignInThrottle({ db: tx, key });
    if (!row) throw new AppError("not-found", "That lock has already ended.");
    await insertAuditEvent({
      tx,
      event: { ...byActor(actor), action: "auth.sign_in_unlocked", targetType: "sign-in", targetId: key, targetLabel: labelOfKey(key), details: { failures: row.failures } },
    });
  });
}
