import "server-only";
/**
 * The optional second factor of local accounts: TOTP (RFC 6238, with otplib) plus ten one-time recovery codes.
 *
 * - The secret is stored encrypted under the master key (users.totp_secret_ciphertext, rewrapped with every
 *   other ciphertext on key rotation). It is shown once, at enrolment, and never again.
 * - Recovery codes are 80 random bits each; only their SHA-256 is stored (like API tokens: 80 random bits need
 *   no slow hash), and using one removes it.
 * - A code is accepted once: the time step of the last accepted code is kept, and an older or equal step is
 *   refused, so a code seen over someone's shoulder does not sign in a second time.
 * - Checks are atomic in the store (a conditional update), so two requests cannot both use the same code.
 * Single-sign-on accounts have no second factor in Rotor: their identity provider owns it.
 */
import { createHash, randomBytes } from "node:crypto";
import { generateSecret, generateURI, verify } from "otplib";
import type { Db } from "../db/client";
import type { User } from "../db/schema";
import type { Keyring } from "../crypto/keyring";
import { consumeRecoveryCodeHash, consumeTotpTimeStep, getUserById, updateUserById } from "../db/queries/users";
import { insertAuditEvent, recordAuditEvent } from "../db/queries/audit";
import { AppError } from "../errors";
import { byActor, type Actor } from "../app-context";

export const SSO_PASSWORD_MESSAGE =
  "This account signs in with single sign-on: its password (and any second factor) is managed by the identity provider, not by Rotor.";

export const RECOVERY_CODE_COUNT = 10;
const ISSUER = "Rotor";
/** One step either side: a phone's clock a little off, or a code typed as it rolls over. */
const EPOCH_TOLERANCE_SECONDS = 30;
const BASE32 = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

const secretContext = (userId: string) => `users.totp_secret:${userId}`;

export type SecondFactorKind = "authenticator code" | "recovery code";

function recoveryCode(): string {
  // 16 characters of a 32-letter alphabet without look-alikes (0/O, 1/I): 80 bits, typed as 4 groups of 4.
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => BASE32[b % 32]).join("");
  return chars.match(/.{4}/g)!.join("-");
}

const normalizeRecoveryCode = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, "");
const hashRecoveryCode = (code: string) => createHash("sha256").update(`rotor-recovery:${normalizeRecoveryCode(code)}`).digest("hex");

async function loadLocalUser(db: Db, userId: string): Promise<User & { passwordHash: string }> {
  const user = await getUserById({ db, id: userId });
  if (!user) throw new AppError("not-found", "Your account no longer exists.");
  if (!user.passwordHash) throw new AppError("conflict", SSO_PASSWORD_MESSAGE);
  return user as User & { passwordHash: string };
}

export function twoFactorEnabled(user: Pick<User, "totpEnabledAt">): boolean {
  return Boolean(user.totpEnabledAt);
}

/**
 * Step 1 of enrolment: a new secret, stored encrypted but not yet in force, returned once with its otpauth URI
 * (for an authenticator app: paste the URI, or type the secret). Starting again replaces an unconfirmed secret.
 */
export async function startTotpEnrolment({ db, keyring, userId }: { db: Db; keyring: Keyring; userId: string }): Promise<{ secret: string; uri: string }> {
  const user = await loadLocalUser(db, userId);
  if (user.totpEnabledAt) throw new AppError("conflict", "Two-factor sign-in is already on. Turn it off first to set it up again.");
  const secret = generateSecret();
  await updateUserById({ db, id: user.id, patch: { totpSecretCiphertext: keyring.encrypt(secret, secretContext(user.id)), totpLastTimeStep: null } });
  return { secret, uri: generateURI({ issuer: ISSUER, label: user.email, secret }) };
}

async function checkTotp(db: Db, keyring: Keyring, user: User, code: string, now: Date): Promise<boolean> {
  if (!user.totpSecretCiphertext || !/^\d{6}$/.test(code)) return false;
  const secret = keyring.decrypt(user.totpSecretCiphertext, secretContext(user.id));
  const result = await verify({ secret, token: code, epoch: Math.floor(now.getTime() / 1000), epochTolerance: EPOCH_TOLERANCE_SECONDS });
  if (!result.valid || !("timeStep" in result)) return false;
  // Refuses a step at or before the last one used, atomically: the same code cannot be used twice.
  return consumeTotpTimeStep({ db, id: user.id, timeStep: result.timeStep });
}

/** A change to a user's second factor that a current code confirms (enrolment's step 2, turning it off). */
interface CodeConfirmedChange {
  db: Db;
  keyring: Keyring;
  actor: Actor;
  userId: string;
  /** The six-digit code (turning it off: or a recovery code), as typed. */
  code: string;
  now?: Date;
}

/** Step 2: a code from the app proves it holds the secret; two-factor sign-in is on, and the recovery codes are returned once. */
export async function confirmTotpEnrolment({ db, keyring, actor, userId, code, now = new Date() }: CodeConfirmedChange): Promise<{ recoveryCodes: string[] }> {
  const user = await loadLocalUser(db, userId);
  if (user.totpEnabledAt) throw new AppError("conflict", "Two-factor sign-in is already on.");
  if (!user.totpSecretCiphertext) throw new AppError("conflict", "Start the set-up first: Set up two-factor sign-in.");
  if (!(await checkTotp(db, keyring, user, code.replace(/\s/g, ""), now))) {
    throw new AppError("input:invalid", "That code is not right. Check the app's clock and enter the current code.", {
      fieldErrors: { code: "That code is not right" },
    });
  }
  const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, recoveryCode);
  await db.transaction(async (tx) => {
    await updateUserById({ db: tx, id: user.id, patch: { totpEnabledAt: now, totpRecoveryCodeHashes: recoveryCodes.map(hashRecoveryCode) } });
    await insertAuditEvent({
      tx,
      event: { ...byActor(actor), action: "auth.totp_enabled", targetType: "user", targetId: user.id, targetLabel: user.email, details: { recoveryCodes: RECOVERY_CODE_COUNT } },
    });
  });
  return { recoveryCodes };
}

/**
 * Checks a second-factor code for a sign-in or a change: a six-digit authenticator code, or a recovery code
 * (which is used up). Returns which kind matched, or null.
 */
export async function checkSecondFactor({ db, keyring, user, code, now = new Date() }: { db: Db; keyring: Keyring; user: User; code: string; now?: Date }): Promise<SecondFactorKind | null> {
  if (!user.totpEnabledAt) return null;
  const compact = code.replace(/\s/g, "");
  if (/^\d{6}$/.test(compact)) return (await checkTotp(db, keyring, user, compact, now)) ? "authenticator code" : null;
  if (normalizeRecoveryCode(compact).length !== 16) return null;
  return (await consumeRecoveryCodeHash({ db, id: user.id, hash: hashRecoveryCode(compact) })) ? "recovery code" : null;
}

/** Turns the second factor off; a current code (or a recovery code) is required. */
export async function disableTotp({ db, keyring, actor, userId, code, now }: CodeConfirmedChange): Promise<void> {
  const user = await loadLocalUser(db, userId);
  if (!user.totpEnabledAt) throw new AppError("conflict", "Two-factor sign-in is already off.");
  const kind = await checkSecondFactor({ db, keyring, user, code, now });
  if (!kind) {
    await recordAuditEvent({
      db,
      event: { ...byActor(actor), action: "auth.totp_disabled", outcome: "failure", targetType: "user", targetId: user.id, targetLabel: user.email, details: { reason: "wrong code" } },
    });
    throw new AppError("input:invalid", "That code is not right.", { fieldErrors: { code: "Enter a current code from the app, or a recovery code" } });
  }
  await db.transaction(async (tx) => {
    await updateUserById({ db: tx, id: user.id, patch: { totpEnabledAt: null, totpSecretCiphertext: null, totpLastTimeStep: null, totpRecoveryCodeHashes: [] } });
    await insertAuditEvent({ tx, event: { ...byActor(actor), action: "auth.totp_disabled", targetType: "user", targetId: user.id, targetLabel: user.email, details: { with: kind } } });
  });
}
