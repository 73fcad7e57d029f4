import "server-only";
import { asc, eq, sql } from "drizzle-orm";
import { connectors, environments, loginProviders, rotators } from "../schema";
import type { DbOrTx, Tx } from "../client";
import { ADVISORY_LOCKS } from "../advisory-locks";

export type LoginProviderRow = typeof loginProviders.$inferSelect;

export function listLoginProviders({ db }: { db: DbOrTx }): Promise<LoginProviderRow[]> {
  return db.select().from(loginProviders).orderBy(asc(loginProviders.name));
}

export async function getLoginProviderById({ db, id }: { db: DbOrTx; id: string }): Promise<LoginProviderRow | undefined> {
  const [row] = await db.select().from(loginProviders).where(eq(loginProviders.id, id));
  return row;
}

export async function getLoginProviderByName({ db, name }: { db: DbOrTx; name: string }): Promise<LoginProviderRow | undefined> {
  const [row] = await db.select().from(loginProviders).where(sql`lower(${loginProviders.name}) = lower(${name})`);
  return row;
}

export async function insertLoginProvider({ db, loginProvider }: { db: DbOrTx; loginProvider: typeof loginProviders.$inferInsert }) {
  const [row] = await db.insert(loginProviders).values(loginProvider).returning();
  return row;
}

export async function updateLoginProviderById({ db, id, patch }: { db: DbOrTx; id: string; patch: Partial<typeof loginProviders.$inferInsert> }) {
  const [row] = await db.update(loginProviders).set({ ...patch, updatedAt: new Date() }).where(eq(loginProviders.id, id)).returning();
  return row;
}

export async function deleteLoginProviderById({ db, id }: { db: DbOrTx; id: string }) {
  await db.delete(loginProviders).where(eq(loginProviders.id, id));
}

/** Who uses a login: rotators (as "environment/rotator") and connectors, by name. */
export async function listLoginProviderUsers({ db, id }: { db: DbOrTx; id: string }): Promise<{ rotators: string[]; connectors: string[] }> {
  const rotatorRows = await db
    .select({ rotator: rotators.name, environment: environments.name })
    .from(rotators)
    .innerJoin(environments, eq(environments.id, rotators.environmentId))
    .where(eq(rotators.loginProviderId, id))
    .orderBy(asc(environments.name), asc(rotators.name));
  const connectorRows = await db.select({ name: connectors.name }).from(connectors).where(eq(connectors.loginProviderId, id)).orderBy(asc(connectors.name));
  return { rotators: rotatorRows.map((r) => `${r.environment}/${r.rotator}`), connectors: connectorRows.map((c) => c.name) };
}

/** Held until the transaction ends: changes to the OIDC issuer's signing keys, one process at a time. */
export async function lockIssuerKeys({ tx }: { tx: Tx }) {
  await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.issuerKeys})`);
}
