import "server-only";
/**
 * Passwords of local accounts after setup: a user changes their own (the current password proves it is them;
 * their other sessions end), and an admin resets someone else's (a temporary password that must be changed at
 * the next sign-in; every session of that user ends). Both are audited without the password.
 *
 * Single-sign-on accounts have no password in Rotor: both refuse them, saying so.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import { getUserById, updateUserById } from "../db/queries/users";
import { revokeUserSessions } from "../db/queries/sessions";
import { insertAuditEvent, recordAuditEvent } from "../db/queries/audit";
import { hashPassword, verifyPassword } from "../crypto/password-hash";
import { HashGateBusyError } from "../crypto/hash-gate";
import { AppError } from "../errors";
import { byActor, type Actor } from "../app-context";
import { env } from "../env";
import { forgiveSignInAttempt, reserveSignInAttempt, throttleKeys } from "../auth/sign-in-throttle";
import { SSO_PASSWORD_MESSAGE } from "../auth/two-factor";

/**
 * "Change my password". A wrong current password counts against the account's sign-in throttle like a failed
 * sign-in (otherwise a stolen session could guess the password here without limit). Sessions other than
 * `sessionId` end; the flag an admin reset set is cleared.
 */
export async function changeOwnPassword({
  db,
  actor,
  userId,
  sessionId,
  currentPassword,
  newPassword,
  now,
}: {
  db: Db;
  actor: Actor;
  userId: string;
  sessionId: string;
  currentPassword: string;
  newPassword: string;
  now?: Date;
}): Promise<{ otherSessionsEnded: number }> {
  const user = await getUserById({ db, id: userId });
  if (!user) throw new AppError("not-found", "Your account no longer exists.");
  if (!user.passwordHash) throw new AppError("conflict", SSO_PASSWORD_MESSAGE);

  const reservation = await reserveSignInAttempt({ db, keys: throttleKeys(user.email, actor.ip ?? null), lockMinutes: env().signIn.lockMinutes, now });
  if (!reservation.allowed) {
    throw new AppError("auth:throttled", `Too many wrong passwords. Try again in ${reservation.retryAfterSeconds} seconds.`, { retryable: true });
  }
  let valid: boolean;
  try {
    valid = await verifyPassword(currentPassword, user.passwordHash);
  } catch (error) {
    if (!(error instanceof HashGateBusyError)) throw error;
    await forgiveSignInAttempt({ db, reservation, succeeded: false });
    throw new AppError("auth:throttled", "Rotor is busy checking other passwords. Try again in a moment.", { retryable: true });
  }
  if (!valid) {
    await recordAuditEvent({
      db,
      event: { ...byActor(actor), action: "user.password_changed", outcome: "failure", targetType: "user", targetId: user.id, targetLabel: user.email, details: { reason: "wrong current password" } },
    });
    throw new AppError("auth:invalid-credentials", "The current password is wrong.", { fieldErrors: { currentPassword: "The current password is wrong" } });
  }
  await forgiveSignInAttempt({ db, reservation, succeeded: true });
  if (currentPassword === newPassword) {
    throw new AppError("input:invalid", "Choose a new password that differs from the current one.", {
      fieldErrors: { newPassword: "Choose a password that differs from the current one" },
    });
  }
  const passwordHash = await hashPassword(newPassword);
  return db.transaction(async (tx) => {
    await updateUserById({ db: tx, id: user.id, patch: { passwordHash, mustChangePassword: false } });
    const otherSessionsEnded = await revokeUserSessions({ db: tx, userId: user.id, keepId: sessionId });
    await insertAuditEvent({
      tx,
      event: {
        ...byActor(actor),
        action: "user.password_changed",
        targetType: "user",
        targetId: user.id,
        targetLabel: user.email,
        details: { otherSessionsEnded, ...(user.mustChangePassword ? { afterReset: true } : {}) },
      },
    });
    return { otherSessionsEnded };
  });
}

/** A temporary password: 96 random bits, 16 characters, no look-alike trouble in base64url. */
export function generateTemporaryPassword(): string {
  return randomBytes(12).toString("base64url");
}

/**
 * An admin resets a local user's password: to the one they typed, or to a generated one returned here to be
 * shown once. Every session of the user ends, and they must change it at their next sign-in.
 */
export async function resetUserPassword({
  db,
  actor,
  userId,
  password,
}: {
  db: Db;
  actor: Actor;
  userId: string;
  /** Typed by the admin; generated when absent. */
  password?: string;
}): Promise<{ password: string; generated: boolean; email: string }> {
  const user = await getUserById({ db, id: userId });
  if (!user) throw new AppError("not-found", "That user no longer exists.");
  if (!user.passwordHash || user.authSource !== "local") throw new AppError("conflict", `${user.email} signs in with single sign-on: Rotor holds no password for them.`);
  if (user.id === actor.id) throw new AppError("conflict", "To change your own password, use Change my password on your account page.");
  const generated = !password;
  const temporary = password || generateTemporaryPassword();
  const passwordHash = await hashPassword(temporary);
  await db.transaction(async (tx) => {
    await updateUserById({ db: tx, id: user.id, patch: { passwordHash, mustChangePassword: true, sessionsValidAfter: new Date() } });
    const sessionsEnded = await revokeUserSessions({ db: tx, userId: user.id });
    await insertAuditEvent({
      tx,
      event: {
        ...byActor(actor),
        action: "user.password_reset",
        targetType: "user",
        targetId: user.id,
        targetLabel: user.email,
        details: { temporaryPassword: generated ? "generated" : "typed by the admin", sessionsEnded },
      },
    });
  });
  return { password: temporary, generated, email: user.email };
}
