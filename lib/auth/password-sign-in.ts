import "server-only";
/**
 * Email + password sign-in for local users, and its second step for accounts with two-factor sign-in. Every
 * attempt is audited; failures say nothing about why.
 *
 * Order matters: the throttle is asked first (a blocked attempt costs no hash), then exactly one scrypt runs
 * for every attempt that gets that far — with the account's hash, or a dummy hash for an unknown email or a
 * single-sign-on account — through the process's hash gate, so a wrong password, an unknown account and a
 * disabled one take the same work and the same path.
 *
 * With two-factor sign-in, a right password without a code is not a success: the attempt is taken back (not
 * forgiven: the account's failures stay counted), and the code is checked as its own throttled attempt, so
 * someone who knows the password still gets only the throttle's few guesses at the code.
 */
import type { Db } from "../db/client";
import { getUserByEmail, getUserById, updateUserById } from "../db/queries/users";
import { insertAuditEvent, recordAuditEvent } from "../db/queries/audit";
import { dummyPasswordHash, verifyPassword } from "../crypto/password-hash";
import { HashGateBusyError, type HashGate } from "../crypto/hash-gate";
import type { Keyring } from "../crypto/keyring";
import type { User } from "../db/schema";
import { env } from "../env";
import { forgiveSignInAttempt, reserveSignInAttempt, throttleKeys, type Reservation } from "./sign-in-throttle";
import { checkSecondFactor, type SecondFactorKind } from "./two-factor";

export type PasswordSignInResult =
  | { ok: true; user: User }
  | { ok: false; reason: "invalid" }
  /** The password was right; the account needs its second factor (`signInWithSecondFactor`, or `otp`). */
  | { ok: false; reason: "second-factor"; user: User }
  /** The second-factor code was wrong (or already used). */
  | { ok: false; reason: "wrong-code" }
  /** Too many failures: no attempt is checked for `retryAfterSeconds`; `locked` when it is a lock, not a backoff. */
  | { ok: false; reason: "throttled"; retryAfterSeconds: number; locked: boolean }
  /** Too many sign-ins are being checked at once on this server. */
  | { ok: false; reason: "busy" };

type Allowed = Extract<Reservation, { allowed: true }>;

async function auditFailure(db: Db, { actorId, actorLabel, ip, reason, extra = {} }: { actorId: string | null; actorLabel: string; ip: string | null; reason: string; extra?: Record<string, unknown> }) {
  await recordAuditEvent({ db, event: { actorId, actorLabel, ip, action: "auth.sign_in", outcome: "failure", details: { method: "password", reason, ...extra } } });
}

async function auditLocks(db: Db, reservation: Allowed, ip: string | null) {
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
}

async function reserve(db: Db, email: string, ip: string | null, actorId: string | null, now?: Date): Promise<Allowed | Extract<PasswordSignInResult, { reason: "throttled" }>> {
  const reservation = await reserveSignInAttempt({ db, keys: throttleKeys(email, ip), lockMinutes: env().signIn.lockMinutes, now });
  if (reservation.allowed) return reservation;
  await auditFailure(db, { actorId, actorLabel: email.slice(0, 200), ip, reason: reservation.locked ? "locked" : "throttled", extra: { by: reservation.by.label, retryAfterSeconds: reservation.retryAfterSeconds } });
  return { ok: false, reason: "throttled", retryAfterSeconds: reservation.retryAfterSeconds, locked: reservation.locked };
}

async function succeed(db: Db, reservation: Allowed, user: User, ip: string | null, secondFactor?: SecondFactorKind): Promise<PasswordSignInResult> {
  await forgiveSignInAttempt({ db, reservation, succeeded: true });
  await db.transaction(async (tx) => {
    await updateUserById({ db: tx, id: user.id, patch: { lastSignInAt: new Date() } });
    await insertAuditEvent({ tx, event: { actorId: user.id, actorLabel: user.email, ip, action: "auth.sign_in", details: { method: "password", ...(secondFactor ? { secondFactor } : {}) } } });
  });
  return { ok: true, user };
}

/** Checks a second-factor code as one throttled attempt, already reserved. */
async function checkCode(db: Db, keyring: Keyring, reservation: Allowed, user: User, code: string, ip: string | null, now?: Date): Promise<PasswordSignInResult> {
  const kind = await checkSecondFactor({ db, keyring, user, code, now });
  if (!kind) {
    await auditFailure(db, { actorId: user.id, actorLabel: user.email, ip, reason: "wrong second-factor code" });
    await auditLocks(db, reservation, ip);
    return { ok: false, reason: "wrong-code" };
  }
  return succeed(db, reservation, user, ip, kind);
}

export async function signInWithPassword({
  db,
  email,
  password,
  ip,
  keyring,
  otp,
  gate,
  now,
}: {
  db: Db;
  email: string;
  password: string;
  ip: string | null;
  /** Needed to check `otp` (the second factor's secret is encrypted). */
  keyring?: Keyring;
  /** The second factor sent with the password (the REST API's one-call sign-in). */
  otp?: string;
  /** The hash gate (default: the process's). */
  gate?: HashGate;
  now?: Date;
}): Promise<PasswordSignInResult> {
  const reservation = await reserve(db, email, ip, null, now);
  if ("ok" in reservation) return reservation;

  const user = await getUserByEmail({ db, email });
  let valid: boolean;
  try {
    valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()), gate);
  } catch (error) {
    if (!(error instanceof HashGateBusyError)) throw error;
    await forgiveSignInAttempt({ db, reservation, succeeded: false });
    await auditFailure(db, { actorId: user?.id ?? null, actorLabel: email.slice(0, 200), ip, reason: "server busy" });
    return { ok: false, reason: "busy" };
  }
  const reason = !user ? "unknown email" : !user.passwordHash ? "not a local account" : !valid ? "wrong password" : user.disabledAt ? "user is disabled" : null;
  if (reason || !user) {
    await auditFailure(db, { actorId: user?.id ?? null, actorLabel: email.slice(0, 200), ip, reason: reason ?? "unknown email" });
    await auditLocks(db, reservation, ip);
    return { ok: false, reason: "invalid" };
  }
  if (user.totpEnabledAt) {
    if (otp && keyring) return checkCode(db, keyring, reservation, user, otp, ip, now);
    // The password is right but is not the whole sign-in: this attempt is taken back, not forgiven.
    await forgiveSignInAttempt({ db, reservation, succeeded: false });
    return { ok: false, reason: "second-factor", user };
  }
  return succeed(db, reservation, user, ip);
}

/** The second step: the code of a user whose password was right moments ago (lib/auth/second-factor-ticket.ts). */
export async function signInWithSecondFactor({
  db,
  keyring,
  userId,
  code,
  ip,
  now,
}: {
  db: Db;
  keyring: Keyring;
  userId: string;
  code: string;
  ip: string | null;
  now?: Date;
}): Promise<PasswordSignInResult> {
  const user = await getUserById({ db, id: userId });
  if (!user) return { ok: false, reason: "invalid" };
  const reservation = await reserve(db, user.email, ip, user.id, now);
  if ("ok" in reservation) return reservation;
  if (user.disabledAt || !user.passwordHash || !user.totpEnabledAt) {
    await auditFailure(db, { actorId: user.id, actorLabel: user.email, ip, reason: user.disabledAt ? "user is disabled" : "second factor no longer on" });
    return { ok: false, reason: "invalid" };
  }
  return checkCode(db, keyring, reservation, user, code, ip, now);
}

/** What the person signing in reads for a refused attempt (the same for every "invalid" cause). */
export function signInFailureMessage(result: Exclude<PasswordSignInResult, { ok: true }>): string {
  switch (result.reason) {
    case "invalid":
      return "Wrong email or password, or the account is disabled.";
    case "second-factor":
      return "Enter the code from your authenticator app (or a recovery code).";
    case "wrong-code":
      return "That code is not right, or it was already used. Enter the current code from your authenticator app, or a recovery code.";
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
