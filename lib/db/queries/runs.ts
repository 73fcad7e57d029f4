import "server-only";
import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { rotationRuns, rotationSteps, type RotationRun, type RotationStep } from "../schema";
import type { DbOrTx } from "../client";
import { rowsOf } from "./audit";

/**
 * A rotator's new run, in one statement: the environment's name and current revision are read into it, and
 * it becomes the rotator's last run.
 */
export async function insertRotatorRun({ db, run }: { db: DbOrTx; run: Omit<typeof rotationRuns.$inferInsert, "id" | "environmentName" | "revisionBefore"> & { rotatorId: string; environmentId: string } }): Promise<RotationRun> {
  const id = randomUUID();
  const lastRun = db.$with("last_run", { id: sql<string>`id` }).as(sql`update rotators set last_run_id = ${id}, updated_at = now() where id = ${run.rotatorId} returning id`);
  const [row] = await db
    .with(lastRun)
    .insert(rotationRuns)
    .values({
      ...run,
      id,
      environmentName: sql`coalesce((select name from environments where id = ${run.environmentId}), '')`,
      revisionBefore: sql`(select current_revision from environments where id = ${run.environmentId})`,
    })
    .returning();
  return row;
}

export async function updateRunById({ db, id, patch }: { db: DbOrTx; id: string; patch: Partial<typeof rotationRuns.$inferInsert> }) {
  const [row] = await db.update(rotationRuns).set(patch).where(eq(rotationRuns.id, id)).returning();
  return row;
}

export async function getRunById({ db, id }: { db: DbOrTx; id: string }): Promise<RotationRun | undefined> {
  const [row] = await db.select().from(rotationRuns).where(eq(rotationRuns.id, id));
  return row;
}

/** The rotator's run that never finished (its process died), if any. */
export async function getUnfinishedRunByRotator({ db, rotatorId }: { db: DbOrTx; rotatorId: string }) {
  const [row] = await db
    .select()
    .from(rotationRuns)
    .where(and(eq(rotationRuns.rotatorId, rotatorId), inArray(rotationRuns.status, ["pending", "running"])))
    .orderBy(desc(rotationRuns.startedAt))
    .limit(1);
  return row;
}

export async function getLastFinishedRunByRotator({ db, rotatorId }: { db: DbOrTx; rotatorId: string }) {
  const [row] = await db
    .select()
    .from(rotationRuns)
    .where(and(eq(rotationRuns.rotatorId, rotatorId), inArray(rotationRuns.status, ["succeeded", "failed"])))
    .orderBy(desc(rotationRuns.startedAt), desc(rotationRuns.id))
    .limit(1);
  return row;
}

export interface StepFinish {
  id: number;
  status: RotationStep["status"];
  message: string | null;
  /** When the step ended (its row may be written later, with the next step's start). */
  finishedAt: Date;
}

export interface NewStep {
  name: string;
  status: RotationStep["status"];
  message?: string | null;
  /** Set for a step recorded as already done. */
  finishedAt?: Date;
}

/** A change to a run written together with its steps (the write-ahead record, the lockout guard's finding, the outcome). */
export type RunPatch = Partial<typeof rotationRuns.$inferInsert>;

/**
 * One statement, so one commit and one round trip (lib/rotation/engine.ts writes a run's progress this way):
 * finishes steps, changes the run, and inserts the next steps, each part optional. Returns the ids of the
 * inserted steps, in order.
 */
export async function advanceSteps({ db, runId, finished = [], run, steps = [] }: {
  db: DbOrTx;
  runId: string;
  finished?: StepFinish[];
  run?: RunPatch;
  steps?: NewStep[];
}): Promise<number[]> {
  const at = (date: Date) => sql`${date.toISOString()}::timestamptz`;
  const writes: SQL[] = finished.map((f) => sql`update rotation_steps set status = ${f.status}, message = ${f.message}, finished_at = ${at(f.finishedAt)} where id = ${f.id}`);
  if (run && Object.keys(run).length > 0) writes.push(db.update(rotationRuns).set(run).where(eq(rotationRuns.id, runId)).getSQL());
  const values = steps.map((s) => sql`(${runId}::uuid, ${s.name}, ${s.status}, ${s.message ?? null}, ${s.finishedAt ? at(s.finishedAt) : null})`);
  const main = steps.length ? sql`insert into rotation_steps (run_id, name, status, message, finished_at) values ${sql.join(values, sql`, `)} returning id` : writes.pop();
  if (!main) return [];
  // Data-modifying CTEs run exactly once, whether or not the main statement reads them.
  const statement = writes.length ? sql`with ${sql.join(writes.map((w, i) => sql`${sql.raw(`w${i}`)} as (${w})`), sql`, `)} ${main}` : main;
  const result = await db.execute(statement);
  return steps.length ? rowsOf<{ id: number | string }>(result).map((r) => Number(r.id)).sort((a, b) => a - b) : [];
}

/** Steps a dead process left "running": they never finished, and are shown as interrupted. */
export async function interruptRunningSteps({ db, runId, message }: { db: DbOrTx; runId: string; message: string }) {
  await db
    .update(rotationSteps)
    .set({ status: "interrupted", message, finishedAt: new Date() })
    .where(and(eq(rotationSteps.runId, runId), eq(rotationSteps.status, "running")));
}

export function listStepsByRun({ db, runId }: { db: DbOrTx; runId: string }) {
  return db.select().from(rotationSteps).where(eq(rotationSteps.runId, runId)).orderBy(asc(rotationSteps.id));
}

/** The steps of several runs in one query, in order, for pages that show a list of runs with their steps. */
export function listStepsByRuns({ db, runIds }: { db: DbOrTx; runIds: string[] }) {
  if (runIds.length === 0) return Promise.resolve([] as RotationStep[]);
  return db.select().from(rotationSteps).where(inArray(rotationSteps.runId, runIds)).orderBy(asc(rotationSteps.id));
}

export function listRunsByBatch({ db, batchId }: { db: DbOrTx; batchId: string }) {
  return db.select().from(rotationRuns).where(eq(rotationRuns.batchId, batchId)).orderBy(asc(rotationRuns.rotatorName));
}

export interface RunFilter {
  environmentId?: string;
  rotatorId?: string;
  rotatorType?: string;
  status?: RotationRun["status"];
  trigger?: RotationRun["trigger"];
}

export interface RunCursor {
  startedAt: Date;
  id: string;
}

/** Newest first, keyset-paginated on (startedAt, id) so deep pages stay fast on millions of runs. */
export async function listRuns({ db, filter, after, limit }: { db: DbOrTx; filter: RunFilter; after?: RunCursor; limit: number }) {
  const conditions: SQL[] = [];
  if (filter.environmentId) conditions.push(eq(rotationRuns.environmentId, filter.environmentId));
  if (filter.rotatorId) conditions.push(eq(rotationRuns.rotatorId, filter.rotatorId));
  if (filter.rotatorType) conditions.push(eq(rotationRuns.rotatorType, filter.rotatorType));
  if (filter.status) conditions.push(eq(rotationRuns.status, filter.status));
  if (filter.trigger) conditions.push(eq(rotationRuns.trigger, filter.trigger));
  if (after) {
    conditions.push(
      or(lt(rotationRuns.startedAt, after.startedAt), and(eq(rotationRuns.startedAt, after.startedAt), lt(rotationRuns.id, after.id)))!,
    );
  }
  const rows = await db
    .select()
    .from(rotationRuns)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(rotationRuns.startedAt), desc(rotationRuns.id))
    .limit(limit + 1);
  const runs = rows.slice(0, limit);
  const last = runs[runs.length - 1];
  return { runs, next: rows.length > limit && last ? { startedAt: last.startedAt, id: last.id } : null };
}

export function listRunsByIds({ db, ids }: { db: DbOrTx; ids: string[] }) {
  if (ids.length === 0) return Promise.resolve([] as RotationRun[]);
  return db.select().from(rotationRuns).where(inArray(rotationRuns.id, ids));
}

/** Forgets the pending credentials of a rotator's runs (when the rotator goes, its secrets go with it). */
export async function clearPendingByRotators({ db, rotatorIds }: { db: DbOrTx; rotatorIds: string[] }) {
  if (rotatorIds.length === 0) return;
  await db.update(rotationRuns).set({ pendingCiphertext: null }).where(inArray(rotationRuns.rotatorId, rotatorIds));
}
