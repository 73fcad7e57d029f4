import "server-only";
/**
 * Between the password and the code: after a right password, a user with two-factor sign-in holds a ticket
 * (in an HttpOnly cookie on /login) that names them and lets them send a code instead of the password again.
 * It is an HMAC under a key derived from the master key, expires after five minutes, and covers the password
 * hash, so changing or resetting the password voids it. It grants nothing by itself: the code is still
 * needed, and each code attempt is throttled like a password.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Keyring } from "../crypto/keyring";
import type { User } from "../db/schema";

export const TICKET_COOKIE = "rotor-second-factor";
export const TICKET_TTL_SECONDS = 5 * 60;

const passwordFingerprint = (user: Pick<User, "passwordHash">) => createHash("sha256").update(user.passwordHash ?? "").digest("base64url").slice(0, 16);

function mac(keyring: Keyring, body: string): string {
  return createHmac("sha256", keyring.derive("sign-in-second-factor-ticket")).update(body).digest("base64url");
}

export function issueTicket({ keyring, user, now = new Date() }: { keyring: Keyring; user: Pick<User, "id" | "passwordHash">; now?: Date }): string {
  const body = `${user.id}.${now.getTime() + TICKET_TTL_SECONDS * 1000}`;
  return `${body}.${mac(keyring, `${body}.${passwordFingerprint(user)}`)}`;
}

/** The user id a ticket names, if it is genuine and not expired (the caller checks it against the user's password). */
export function readTicket({ keyring, ticket, now = new Date() }: { keyring: Keyring; ticket: string; now?: Date }): { userId: string; check: (user: Pick<User, "passwordHash">) => boolean } | null {
  const [userId, expires, signature] = ticket.split(".");
  if (!userId || !expires || !signature || !(Number(expires) > now.getTime())) return null;
  return {
    userId,
    check: (user) => {
      const expected = Buffer.from(mac(keyring, `${userId}.${expires}.${passwordFingerprint(user)}`));
      const actual = Buffer.from(signature);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
  };
}
