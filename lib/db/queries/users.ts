import "server-only";
import { and, asc, count, eq, isNull, sql } from "drizzle-orm";
import { users, type User } from "../schema";
import type { DbOrTx, Tx } from "../client";
import type { Role } from "@/lib/env";
import { ADVISORY_LOCKS } from "../advisory-locks";

/** Held until the transaction ends: two browsers, or several instances starting at once, create one admin. */
export async function lockFirstAdminSetup({ tx }: { tx: Tx }) {
  await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.firstAdmin})`);
}

export async function getUserById({ db, id }: { db: DbOrTx; id: string }): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

export async function getUserByEmail({ db, email }: { db: DbOrTx; email: string }): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`);
  return row;
}

export async function getUserByOidcSubject({ db, issuer, subject }: { db: DbOrTx; issuer: string; subject: string }) {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.oidcIssuer, issuer), eq(users.oidcSubject, subject)));
  return row;
}

export function listUsers({ db }: { db: DbOrTx }): Promise<User[]> {
  return db.select().from(users).orderBy(asc(users.email));
}

export async function countUsers({ db }: { db: DbOrTx }): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row.n;
}

export async function countActiveAdmins({ db }: { db: DbOrTx }): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, "admin"), isNull(users.disabledAt)));
  return row.n;
}

export async function insertUser({ db, user }: { db: DbOrTx; user: typeof users.$inferInsert }): Promise<User> {
  const [row] = await db.insert(users).values(user).returning();
  return row;
}

export async function updateUserById({
  db,
  id,
  patch,
}: {
  db: DbOrTx;
  id: string;
  patch: Partial<Pick<User, "role" | "disabledAt" | "sessionsValidAfter" | "lastSignInAt" | "name" | "email" | "passwordHash" | "mustChangePassword" | "totpSecretCiphertext" | "totpEnabledAt" | "totpLastTimeStep" | "totpRecoveryCodeHashes">>;
}): Promise<User | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning();
  return row;
}

export type { Role };

/** Records a TOTP time step as used, if it is later than the last one used; false when it is not (a replay). */
export async function consumeTotpTimeStep({ db, id, timeStep }: { db: DbOrTx; id: string; timeStep: number }): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ totpLastTimeStep: timeStep })
    .where(and(eq(users.id, id), sql`(${users.totpLastTimeStep} is null or ${users.totpLastTimeStep} < ${timeStep})`))
    .returning({ id: users.id });
  return rows.length === 1;
}

/** Removes one recovery code hash, if the user still has it; false when not (unknown or already used). */
export async function consumeRecoveryCodeHash({ db, id, hash }: { db: DbOrTx; id: string; hash: string }): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ totpRecoveryCodeHashes: sql`${users.totpRecoveryCodeHashes} - ${hash}::text` })
    .where(and(eq(users.id, id), sql`${users.totpRecoveryCodeHashes} @> jsonb_build_array(${hash}::text)`))
    .returning({ id: users.id });
  return rows.length === 1;
}
