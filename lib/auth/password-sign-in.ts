import "server-only";
/**
 * Email + password sign-in for local users. Every attempt is audited; failures say nothing about why.
 *
 * Order matters: the throttle is asked first (a blocked attempt costs no hash), then exactly one scrypt runs
 * for every attempt that gets that far — with the account's hash, or a dummy hash for an unknown email or a
 * single-sign-on account — through the process's hash gate, so a wrong password, an unknown account and a
 * disabled one take the same work and the same path.
 */
import type { Db } from "../db/client";
import { getUserByEmail, updateUserById } from "../db/queries/users";
import { insertAuditEvent, recordAuditEvent } from "../db/queries/audit";
import { dummyPasswordHash, verifyPassword } from "../crypto/password-hash";
import { HashGateBusyError, type HashGate } from "../crypto/hash-gate";
import type { User } from "../db/schema";
import { env } from "../env";
import { forgiveSignInAttempt, reserveSignInAttempt, throttleKeys } from "./sign-in-throttle";

export type PasswordSignInResult =
  | { ok: true; user: User }
  | { ok: false; reason: "invalid" }
  /** Too many failures: no attempt is checked for `retryAfterSeconds`; `locked` when it is a lock, not a backoff. */
  | { ok: false; reason: "throttled"; retryAfterSeconds: number; locked: boolean }
  /** Too many sign-ins are being checked at once on this server. */
  | { ok: false; reason: "busy" };

export async function signInWithPassword({
  db,
  email,
  password,
  ip,
  gate,
  now,
}: {
  db: Db;
  email: string;
  password: string;
  ip: string | null;
  /** The hash gate (default: the process's). */
  gate?: HashGate;
  now?: Date;
}): Promise<PasswordSignInResult> {
  const actorLabel = email.slice(0, 200);
  const fail = async (actorId: string | null, reason: string, extra: Record<string, unknown> = {}) =>
    recordAuditEvent({ db, event: { actorId, actorLabel, ip, action: "auth.sign_in", outcome: "failure", details: { method: "password", reason, ...extra } } });

  const reservation = await reserveSignInAttempt({ db, keys: throttleKeys(email, ip), lockMinutes: env().signIn.lockMinutes, now });
  if (!reservation.allowed) {
    await fail(null, reservation.locked ? "locked" : "throttled", { by: reservation.by.label, retryAfterSeconds: reservation.retryAfterSeconds });
    return { ok: false, reason: "throttled", retryAfterSeconds: reservation.retryAfterSeconds, locked: reservation.locked };
  }

  const user = await getUserByEmail({ db, email });
  let valid: boolean;
  try {
    valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()), gate);
  } catch (error) {
    if (!(error instanceof HashGateBusyError)) throw error;
    await forgiveSignInAttempt({ db, reservation, succeeded: false });
    await fail(user?.id ?? null, "server busy");
    return { ok: false, reason: "busy" };
  }
  const reason = !user ? "unknown email" : !user.passwordHash ? "not a local account" : !valid ? "wrong password" : user.disabledAt ? "user is disabled" : null;
  if (reason || !user) {
    await fail(user?.id ?? null, reason ?? "unknown email");
    for (const key of reservation.lockedNow) {
      await recordAuditEvent({
        db,
        event: {
          actorId: null,
          actorLabel: "system",
          ip,
          action: "auth.sign_in_locked",
          outcome: "denied",
          targetType: "sign-in",
          targetId: key.key,
          targetLabel: key.label,
          details: { failures: key.policy.lockAfter, minutes: reservation.lockMinutes },
        },
      });
    }
    return { ok: false, reason: "invalid" };
  }
  await forgiveSignInAttempt({ db, reservation, succeeded: true });
  await db.transaction(async (tx) => {
    await updateUserById({ db: tx, id: user.id, patch: { lastSignInAt: new Date() } });
    await insertAuditEvent({ tx, event: { actorId: user.id, actorLabel: user.email, ip, action: "auth.sign_in", details: { method: "password" } } });
  });
  return { ok: true, user };
}

/** What the person signing in reads for a refused attempt (the same for every "invalid" cause). */
export function signInFailureMessage(result: Exclude<PasswordSignInResult, { ok: true }>): string {
  switch (result.reason) {
    case "invalid":
      return "Wrong email or password, or the account is disabled.";
    case "busy":
      return "Rotor is busy checking other sign-ins. Try again in a moment.";
    case "throttled":
      return result.locked
        ? `Sign-in is locked after too many failed attempts. Try again in ${minutes(result.retryAfterSeconds)}, or ask an admin to lift the lock.`
        : `Too many failed sign-ins. Wait ${result.retryAfterSeconds} second${result.retryAfterSeconds === 1 ? "" : "s"} and try again.`;
  }
}

function minutes(seconds: number): string {
  const m = Math.ceil(seconds / 60);
  return `${m} minute${m === 1 ? "" : "s"}`;
}
