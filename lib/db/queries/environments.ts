import "server-only";
import { and, asc, desc, eq, gt, gte, lt, lte, sql, count } from "drizzle-orm";
import { environmentRevisions, environments, environmentValues, rotators, type Environment } from "../schema";
import { rowsOf } from "./audit";
import type { DbOrTx, Tx } from "../client";

export async function getEnvironmentById({ db, id }: { db: DbOrTx; id: string }): Promise<Environment | undefined> {
  const [row] = await db.select().from(environments).where(eq(environments.id, id));
  return row;
}

export async function getEnvironmentByName({ db, name }: { db: DbOrTx; name: string }): Promise<Environment | undefined> {
  const [row] = await db.select().from(environments).where(sql`lower(${environments.name}) = lower(${name})`);
  return row;
}

export async function listEnvironmentsWithCounts({ db }: { db: DbOrTx }) {
  return db
    .select({
      id: environments.id,
      name: environments.name,
      description: environments.description,
      currentRevision: environments.currentRevision,
      updatedAt: environments.updatedAt,
      rotatorCount: count(rotators.id),
    })
    .from(environments)
    .leftJoin(rotators, eq(rotators.environmentId, environments.id))
    .groupBy(environments.id)
    .orderBy(asc(environments.name));
}

export async function insertEnvironment({ db, name, description }: { db: DbOrTx; name: string; description: string }) {
  const [row] = await db.insert(environments).values({ name, description, currentRevision: 0 }).returning();
  return row;
}

export async function updateEnvironmentById({ db, id, patch }: { db: DbOrTx; id: string; patch: Partial<Pick<Environment, "name" | "description">> }) {
  const [row] = await db.update(environments).set({ ...patch, updatedAt: new Date() }).where(eq(environments.id, id)).returning();
  return row;
}

export async function updateEnvironmentExports({ db, id, exports }: { db: DbOrTx; id: string; exports: Record<string, string> }) {
  await db.update(environments).set({ exports, updatedAt: new Date() }).where(eq(environments.id, id));
}

export async function deleteEnvironmentById({ db, id }: { db: DbOrTx; id: string }) {
  await db.delete(environments).where(eq(environments.id, id));
  const notice: RevisionNotice = { environmentId: id, revision: -1, deleted: true };
  await db.execute(sql`select pg_notify(${REVISION_CHANNEL}, ${JSON.stringify(notice)})`);
}

/** Takes the next revision number with a row lock, so concurrent changes get distinct, ordered revisions. */
export async function bumpEnvironmentRevision({ tx, id }: { tx: Tx; id: string }): Promise<{ before: number; after: number }> {
  const [row] = await tx
    .update(environments)
    .set({ currentRevision: sql`${environments.currentRevision} + 1`, updatedAt: new Date() })
    .where(eq(environments.id, id))
    .returning({ after: environments.currentRevision });
  return { before: row.after - 1, after: row.after };
}

/** The channel on which every new revision is announced (after commit) to watchers in every Rotor process. */
export const REVISION_CHANNEL = "rotor_revisions";

export interface RevisionNotice {
  environmentId: string;
  revision: number;
  /** The environment was deleted (watchers are told and disconnected). */
  deleted?: boolean;
}

/** Stores a revision and announces it on REVISION_CHANNEL; PostgreSQL delivers the NOTIFY only on commit. */
export async function insertEnvironmentRevision({ tx, revision }: { tx: Tx; revision: typeof environmentRevisions.$inferInsert }) {
  const notice: RevisionNotice = { environmentId: revision.environmentId, revision: revision.revision };
  const r = environmentRevisions;
  // One statement for both (a rotation commits several): the NOTIFY is queued only if the row was inserted.
  await tx.execute(sql`with inserted as (
      insert into ${r} (${sql.identifier(r.environmentId.name)}, ${sql.identifier(r.revision.name)}, ${sql.identifier(r.reason.name)}, ${sql.identifier(r.actorId.name)},
        ${sql.identifier(r.actorLabel.name)}, ${sql.identifier(r.documentCiphertext.name)}, ${sql.identifier(r.deltaCiphertext.name)}, ${sql.identifier(r.changedRotators.name)})
      values (${revision.environmentId}, ${revision.revision}, ${revision.reason}, ${revision.actorId ?? null}, ${revision.actorLabel},
        ${revision.documentCiphertext ?? null}, ${revision.deltaCiphertext ?? null}, ${JSON.stringify(revision.changedRotators ?? [])}::jsonb)
      returning 1)
    select pg_notify(${REVISION_CHANNEL}, ${JSON.stringify(notice)}) from inserted`);
}

/** What opening revision N reads: the newest snapshot at or before N and every revision after it up to N. */
/** When a revision was made (the lockout guard: when the credential it introduced became current). */
export async function getRevisionCreatedAt({ db, environmentId, revision }: { db: DbOrTx; environmentId: string; revision: number }): Promise<Date | undefined> {
  const [row] = await db
    .select({ createdAt: environmentRevisions.createdAt })
    .from(environmentRevisions)
    .where(and(eq(environmentRevisions.environmentId, environmentId), eq(environmentRevisions.revision, revision)));
  return row?.createdAt;
}

export function listRevisionChain({ db, environmentId, revision }: { db: DbOrTx; environmentId: string; revision: number }) {
  const r = environmentRevisions;
  const snapshot = sql`(select max(s.revision) from environment_revisions s
    where s.environment_id = ${environmentId} and s.revision <= ${revision} and s.document_ciphertext is not null)`;
  return db
    .select({ id: r.id, revision: r.revision, documentCiphertext: r.documentCiphertext, deltaCiphertext: r.deltaCiphertext })
    .from(r)
    .where(and(eq(r.environmentId, environmentId), lte(r.revision, revision), gte(r.revision, snapshot)))
    .orderBy(asc(r.revision));
}

/** The oldest revision an environment still has (older ones were pruned by the retention setting). */
export async function getOldestRevisionNumber({ db, environmentId }: { db: DbOrTx; environmentId: string }): Promise<number | null> {
  const [row] = await db
    .select({ revision: environmentRevisions.revision })
    .from(environmentRevisions)
    .where(eq(environmentRevisions.environmentId, environmentId))
    .orderBy(asc(environmentRevisions.revision))
    .limit(1);
  return row?.revision ?? null;
}

/** Revisions after `after`, oldest first, without their documents (what watchers are told). */
export function listRevisionsAfter({ db, environmentId, after, limit = 100 }: { db: DbOrTx; environmentId: string; after: number; limit?: number }) {
  return db
    .select({
      revision: environmentRevisions.revision,
      reason: environmentRevisions.reason,
      changedRotators: environmentRevisions.changedRotators,
      createdAt: environmentRevisions.createdAt,
    })
    .from(environmentRevisions)
    .where(and(eq(environmentRevisions.environmentId, environmentId), gt(environmentRevisions.revision, after)))
    .orderBy(asc(environmentRevisions.revision))
    .limit(limit);
}

/** Who made one revision, when and why (no document); undefined when it does not exist (or was pruned). */
export async function getRevisionSummary({ db, environmentId, revision }: { db: DbOrTx; environmentId: string; revision: number }) {
  const [row] = await db
    .select({ revision: environmentRevisions.revision, reason: environmentRevisions.reason, actorLabel: environmentRevisions.actorLabel, createdAt: environmentRevisions.createdAt })
    .from(environmentRevisions)
    .where(and(eq(environmentRevisions.environmentId, environmentId), eq(environmentRevisions.revision, revision)));
  return row;
}

export function listEnvironmentRevisions({ db, environmentId, limit = 50 }: { db: DbOrTx; environmentId: string; limit?: number }) {
  return db
    .select({
      revision: environmentRevisions.revision,
      reason: environmentRevisions.reason,
      actorLabel: environmentRevisions.actorLabel,
      createdAt: environmentRevisions.createdAt,
    })
    .from(environmentRevisions)
    .where(eq(environmentRevisions.environmentId, environmentId))
    .orderBy(desc(environmentRevisions.revision))
    .limit(limit);
}

export function listEnvironmentValues({ db, environmentId }: { db: DbOrTx; environmentId: string }) {
  return db.select().from(environmentValues).where(eq(environmentValues.environmentId, environmentId)).orderBy(asc(environmentValues.key));
}

export async function upsertEnvironmentValue({ db, value }: { db: DbOrTx; value: typeof environmentValues.$inferInsert }) {
  await db
    .insert(environmentValues)
    .values(value)
    .onConflictDoUpdate({
      target: [environmentValues.environmentId, environmentValues.key],
      set: { secret: value.secret, plainValue: value.plainValue, valueCiphertext: value.valueCiphertext, updatedAt: new Date() },
    });
}

export async function deleteEnvironmentValue({ db, environmentId, key }: { db: DbOrTx; environmentId: string; key: string }) {
  await db.delete(environmentValues).where(sql`${environmentValues.environmentId} = ${environmentId} and ${environmentValues.key} = ${key}`);
}

/** Environments with a snapshot revision where a delta would do (`every`: the snapshot interval). */
export async function listEnvironmentsWithExtraSnapshots({ db, every }: { db: DbOrTx; every: number }): Promise<string[]> {
  const rows = rowsOf<{ environment_id: string }>(
    await db.execute(sql`select distinct environment_id from environment_revisions where document_ciphertext is not null and (revision - 1) % ${every} <> 0`),
  );
  return rows.map((r) => r.environment_id);
}

/** A page of an environment's stored revisions after `after`, oldest first, locked for rewriting. */
export function lockRevisionPage({ tx, environmentId, after, limit }: { tx: Tx; environmentId: string; after: number; limit: number }) {
  const r = environmentRevisions;
  return tx
    .select({ id: r.id, revision: r.revision, documentCiphertext: r.documentCiphertext, deltaCiphertext: r.deltaCiphertext })
    .from(r)
    .where(and(eq(r.environmentId, environmentId), gt(r.revision, after)))
    .orderBy(asc(r.revision))
    .limit(limit)
    .for("update");
}

/** Rewrites how a revision is stored (a snapshot or a delta: exactly one of the two is set). */
export async function setRevisionStorage({ db, environmentId, revision, stored }: { db: DbOrTx; environmentId: string; revision: number; stored: { documentCiphertext: string } | { deltaCiphertext: string } }) {
  const patch = "documentCiphertext" in stored ? { documentCiphertext: stored.documentCiphertext, deltaCiphertext: null } : { documentCiphertext: null, deltaCiphertext: stored.deltaCiphertext };
  await db.update(environmentRevisions).set(patch).where(and(eq(environmentRevisions.environmentId, environmentId), eq(environmentRevisions.revision, revision)));
}

/** Per environment with revisions older than `cutoff`: the oldest revision to keep (never past the current). */
export async function listRevisionPruneTargets({ db, cutoff }: { db: DbOrTx; cutoff: Date }): Promise<{ environmentId: string; keep: number }[]> {
  const rows = rowsOf<{ environment_id: string; keep: number }>(
    await db.execute(sql`with kept as (
        select e.id as environment_id,
          least(e.current_revision, coalesce((select min(r.revision) from environment_revisions r where r.environment_id = e.id and r.created_at >= ${cutoff}), e.current_revision)) as keep
        from environments e)
      select environment_id, keep from kept
      where exists (select 1 from environment_revisions o where o.environment_id = kept.environment_id and o.revision < kept.keep)`),
  );
  return rows.map((r) => ({ environmentId: r.environment_id, keep: Number(r.keep) }));
}

/** Takes the environment row's lock: orders the caller after any revision being recorded right now. */
export async function lockEnvironment({ tx, id }: { tx: Tx; id: string }) {
  await tx.execute(sql`select 1 from environments where id = ${id} for update`);
}

/** Deletes an environment's revisions before `revision`; returns how many. */
export async function deleteRevisionsBefore({ tx, environmentId, revision }: { tx: Tx; environmentId: string; revision: number }): Promise<number> {
  const gone = await tx
    .delete(environmentRevisions)
    .where(and(eq(environmentRevisions.environmentId, environmentId), lt(environmentRevisions.revision, revision)))
    .returning({ id: environmentRevisions.id });
  return gone.length;
}
