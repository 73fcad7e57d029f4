import "server-only";
import { asc, eq, sql } from "drizzle-orm";
import { connectors, environments, rotators } from "../schema";
import type { DbOrTx } from "../client";

export type ConnectorRow = typeof connectors.$inferSelect;

export function listConnectors({ db }: { db: DbOrTx }): Promise<ConnectorRow[]> {
  return db.select().from(connectors).orderBy(asc(connectors.name));
}

export async function getConnectorById({ db, id }: { db: DbOrTx; id: string }): Promise<ConnectorRow | undefined> {
  const [row] = await db.select().from(connectors).where(eq(connectors.id, id));
  return row;
}

export async function getConnectorByName({ db, name }: { db: DbOrTx; name: string }): Promise<ConnectorRow | undefined> {
  const [row] = await db.select().from(connectors).where(sql`lower(${connectors.name}) = lower(${name})`);
  return row;
}

export async function insertConnector({ db, connector }: { db: DbOrTx; connector: typeof connectors.$inferInsert }) {
  const [row] = await db.insert(connectors).values(connector).returning();
  return row;
}

export async function updateConnectorById({ db, id, patch }: { db: DbOrTx; id: string; patch: Partial<typeof connectors.$inferInsert> }) {
  const [row] = await db.update(connectors).set({ ...patch, updatedAt: new Date() }).where(eq(connectors.id, id)).returning();
  return row;
}

export async function deleteConnectorById({ db, id }: { db: DbOrTx; id: string }) {
  await db.delete(connectors).where(eq(connectors.id, id));
}

/** Rotators that reach their database through this connector, as "environment/rotator". */
export async function listConnectorUsers({ db, id }: { db: DbOrTx; id: string }): Promise<string[]> {
  const rows = await db
    .select({ rotator: rotators.name, environment: environments.name })
    .from(rotators)
    .innerJoin(environments, eq(environments.id, rotators.environmentId))
    .where(eq(rotators.connectorId, id))
    .orderBy(asc(environments.name), asc(rotators.name));
  return rows.map((r) => `${r.environment}/${r.rotator}`);
}
