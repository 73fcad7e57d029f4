import "server-only";
/** User administration. Every change is audited in the same transaction and keeps at least one active admin. */
import type { Db, Tx } from "../db/client";
import type { User } from "../db/schema";
import type { Role } from "../env";
import { countActiveAdmins, getUserByEmail, getUserById, insertUser, listUsers, updateUserById } from "../db/queries/users";
import { insertAuditEvent } from "../db/queries/audit";
import { hashPassword } from "../crypto/password-hash";
import { AppError } from "../errors";
import { byActor, type Actor } from "../app-context";

export { listUsers };

async function loadOrThrow(tx: Tx, id: string): Promise<User> {
  const user = await getUserById({ db: tx, id });
  if (!user) throw new AppError("not-found", "That user no longer exists.");
  return user;
}

async function assertAnotherAdminRemains(tx: Tx, user: User) {
  if (user.role === "admin" && !user.disabledAt && (await countActiveAdmins({ db: tx })) <= 1) {
    throw new AppError("conflict", "Rotor needs at least one active admin. Make another user admin first.");
  }
}

export async function createLocalUser({
  db,
  actor,
  email,
  name,
  role,
  password,
}: {
  db: Db;
  actor: Actor;
  email: string;
  name: string;
  role: Role;
  password: string;
}): Promise<User> {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    if (await getUserByEmail({ db: tx, email })) {
      throw new AppError("conflict", `A user with the email ${email} already exists.`, { fieldErrors: { email: "Already in use" } });
    }
    const user = await insertUser({ db: tx, user: { email, name, role, passwordHash, authSource: "local" } });
    await insertAuditEvent({
      tx,
      event: { ...byActor(actor), action: "user.created", targetType: "user", targetId: user.id, targetLabel: email, details: { role } },
    });
    return user;
  });
}

export async function changeUserRole({ db, actor, userId, role }: { db: Db; actor: Actor; userId: string; role: Role }) {
  return db.transaction(async (tx) => {
    const user = await loadOrThrow(tx, userId);
    if (user.role === role) return user;
    if (role !== "admin") await assertAnotherAdminRemains(tx, user);
    // A role change takes effect at once: sessions issued under the old role stop working.
    const updated = await updateUserById({ db: tx, id: userId, patch: { role, sessionsValidAfter: new Date() } });
    await insertAuditEvent({
      tx,
      event: { ...byActor(actor), action: "user.role_changed", targetType: "user", targetId: userId, targetLabel: user.email, details: { from: user.role, to: role } },
    });
    return updated!;
  });
}

export async function setUserDisabled({ db, actor, userId, disabled }: { db: Db; actor: Actor; userId: string; disabled: boolean }) {
  return db.transaction(async (tx) => {
    const user = await loadOrThrow(tx, userId);
    if (Boolean(user.disabledAt) === disabled) return user;
    if (disabled) {
      if (user.id === actor.id) throw new AppError("conflict", "You cannot disable your own account.");
      await assertAnotherAdminRemains(tx, user);
    }
    const now = new Date();
    const updated = await updateUserById({
      db: tx,
      id: userId,
      patch: disabled ? { disabledAt: now, sessionsValidAfter: now } : { disabledAt: null },
    });
    await insertAuditEvent({
      tx,
      event: { ...byActor(actor), action: disabled ? "user.disabled" : "user.enabled", targetType: "user", targetId: userId, targetLabel: user.email },
    });
    return updated!;
  });
}
