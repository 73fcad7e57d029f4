import "server-only";
/** Email + password sign-in for local users; every attempt is audited, and failures say nothing about why. */
import type { Db } from "../db/client";
import { getUserByEmail, updateUserById } from "../db/queries/users";
import { insertAuditEvent, recordAuditEvent } from "../db/queries/audit";
import { dummyPasswordHash, verifyPassword } from "../crypto/password-hash";
import type { User } from "../db/schema";

export async function signInWithPassword({
  db,
  email,
  password,
  ip,
}: {
  db: Db;
  email: string;
  password: string;
  ip: string | null;
}): Promise<User | null> {
  const user = await getUserByEmail({ db, email });
  // Always run scrypt, so response time does not reveal which emails exist.
  const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  const reason = !user ? "unknown email" : !user.passwordHash ? "not a local account" : !valid ? "wrong password" : user.disabledAt ? "user is disabled" : null;
  if (reason || !user) {
    await recordAuditEvent({
      db,
      event: { actorId: user?.id ?? null, actorLabel: email.slice(0, 200), ip, action: "auth.sign_in", outcome: "failure", details: { method: "password", reason } },
    });
    return null;
  }
  await db.transaction(async (tx) => {
    await updateUserById({ db: tx, id: user.id, patch: { lastSignInAt: new Date() } });
    await insertAuditEvent({ tx, event: { actorId: user.id, actorLabel: user.email, ip, action: "auth.sign_in", details: { method: "password" } } });
  });
  return user;
}
