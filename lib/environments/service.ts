import "server-only";
/** Environments and their plain values. Every change makes a revision and an audit event in one transaction. */
import { byActor, type AppContext, type Actor } from "../app-context";
import {
  deleteEnvironmentById,
  deleteEnvironmentValue,
  getEnvironmentById,
  getEnvironmentByName,
  insertEnvironment,
  listEnvironmentValues,
  updateEnvironmentById,
  updateEnvironmentExports,
  upsertEnvironmentValue,
} from "../db/queries/environments";
import { deleteRotatorsByEnvironment, listRotatorsByEnvironment } from "../db/queries/rotators";
import { explainExports, exportsSchema, exportsUsing, validateExports, type ExportExplanation, type ExportSources } from "./exports";
import type { Environment } from "../db/schema";
import { credentialFields } from "../rotators/registry";
import type { DbOrTx } from "../db/client";
import { insertAuditEvent } from "../db/queries/audit";
import { clearPendingByRotators } from "../db/queries/runs";
import { recordRevision, valueContext } from "./revisions";
import { AppError } from "../errors";

const audit = (actor: Actor, action: string, environment: { id: string; name: string }, details: Record<string, unknown> = {}) => ({
  ...byActor(actor),
  action,
  targetType: "environment",
  targetId: environment.id,
  targetLabel: environment.name,
  details,
});

export async function createEnvironment(app: AppContext, { actor, name, description }: { actor: Actor; name: string; description: string }) {
  return app.db.transaction(async (tx) => {
    if (await getEnvironmentByName({ db: tx, name })) {
      throw new AppError("conflict", `An environment named ${name} already exists.`, { fieldErrors: { name: "Already in use" } });
    }
    const inserted = await insertEnvironment({ db: tx, name, description });
    await recordRevision({ tx, keyring: app.keyring, environmentId: inserted.id, reason: "created", actor, snapshot: true });
    await insertAuditEvent({ tx, event: audit(actor, "environment.created", inserted) });
    return (await getEnvironmentById({ db: tx, id: inserted.id }))!;
  });
}

export async function renameEnvironment(
  app: AppContext,
  { actor, environmentId, name, description }: { actor: Actor; environmentId: string; name: string; description: string },
) {
  return app.db.transaction(async (tx) => {
    const environment = await getEnvironmentById({ db: tx, id: environmentId });
    if (!environment) throw new AppError("not-found", "That environment no longer exists.");
    const clash = await getEnvironmentByName({ db: tx, name });
    if (clash && clash.id !== environmentId) throw new AppError("conflict", `An environment named ${name} already exists.`, { fieldErrors: { name: "Already in use" } });
    const updated = await updateEnvironmentById({ db: tx, id: environmentId, patch: { name, description } });
    await recordRevision({ tx, keyring: app.keyring, environmentId, reason: name === environment.name ? "description changed" : `renamed from ${environment.name}`, actor });
    await insertAuditEvent({ tx, event: audit(actor, "environment.updated", updated, { from: environment.name, to: name }) });
    return updated;
  });
}

/**
 * Deletes the environment with its rotators, values, revisions and schedules (cascade), so no secret is
 * left behind. Run history is kept (with names) for the audit trail, without any credential.
 */
export async function deleteEnvironment(app: AppContext, { actor, environmentId, confirmName }: { actor: Actor; environmentId: string; confirmName: string }) {
  return app.db.transaction(async (tx) => {
    const environment = await getEnvironmentById({ db: tx, id: environmentId });
    if (!environment) throw new AppError("not-found", "That environment no longer exists.");
    if (confirmName !== environment.name) {
      throw new AppError("input:invalid", `Type ${environment.name} exactly to confirm.`, { fieldErrors: { confirmName: "Does not match the name" } });
    }
    const rotators = await listRotatorsByEnvironment({ db: tx, environmentId });
    const busy = rotators.find((r) => r.leaseOwner && r.leaseExpiresAt && r.leaseExpiresAt > new Date());
    if (busy) throw new AppError("rotation:busy", `${busy.name} is rotating right now. Delete the environment when it has finished.`);
    await clearPendingByRotators({ db: tx, rotatorIds: rotators.map((r) => r.id) });
    // Rotators first: runs reference both the rotator and the environment (ON DELETE SET NULL), and letting
    // the two cascades race makes PostgreSQL re-check a run against an already-deleted rotator.
    await deleteRotatorsByEnvironment({ db: tx, environmentId });
    await deleteEnvironmentById({ db: tx, id: environmentId });
    await insertAuditEvent({ tx, event: audit(actor, "environment.deleted", environment, { rotators: rotators.map((r) => r.name) }) });
  });
}

/** A value's row: a secret one encrypted under its environment and key, a plain one as it is. */
export function environmentValueRow(keyring: AppContext["keyring"], { environmentId, key, value, secret }: { environmentId: string; key: string; value: string; secret: boolean }) {
  return { environmentId, key, secret, plainValue: secret ? null : value, valueCiphertext: secret ? keyring.encrypt(value, valueContext(environmentId, key)) : null };
}

export async function setEnvironmentValue(
  app: AppContext,
  { actor, environmentId, key, value, secret }: { actor: Actor; environmentId: string; key: string; value: string; secret: boolean },
) {
  return app.db.transaction(async (tx) => {
    const environment = await getEnvironmentById({ db: tx, id: environmentId });
    if (!environment) throw new AppError("not-found", "That environment no longer exists.");
    await upsertEnvironmentValue({ db: tx, value: environmentValueRow(app.keyring, { environmentId, key, value, secret }) });
    await recordRevision({ tx, keyring: app.keyring, environmentId, reason: `value ${key} set`, actor });
    await insertAuditEvent({ tx, event: audit(actor, "environment.value_set", environment, { key, secret }) });
  });
}

export async function removeEnvironmentValue(app: AppContext, { actor, environmentId, key }: { actor: Actor; environmentId: string; key: string }) {
  return app.db.transaction(async (tx) => {
    const environment = await getEnvironmentById({ db: tx, id: environmentId });
    if (!environment) throw new AppError("not-found", "That environment no longer exists.");
    const users = exportsUsing(environment.exports, { value: key });
    if (users.length > 0) {
      throw new AppError("conflict", `The exported variable${users.length > 1 ? "s" : ""} ${users.join(", ")} use${users.length > 1 ? "" : "s"} ${key}: change ${users.length > 1 ? "them" : "it"} first.`, {
        fieldErrors: { key: "Used by an exported variable" },
      });
    }
    await deleteEnvironmentValue({ db: tx, environmentId, key });
    await recordRevision({ tx, keyring: app.keyring, environmentId, reason: `value ${key} removed`, actor });
    await insertAuditEvent({ tx, event: audit(actor, "environment.value_removed", environment, { key }) });
  });
}

/** What exported variables may reference in this environment now (and, for the page, what each source is). */
export async function exportCatalog(db: DbOrTx, environmentId: string): Promise<ExportSources> {
  const [values, rotators] = await Promise.all([listEnvironmentValues({ db, environmentId }), listRotatorsByEnvironment({ db, environmentId })]);
  return {
    valueKeys: new Set(values.map((v) => v.key)),
    secretValueKeys: new Set(values.filter((v) => v.secret).map((v) => v.key)),
    rotators: new Map(rotators.map((r) => [r.name, credentialFields(r.type)])),
    rotatorDetails: new Map(
      rotators.map((r) => {
        const summary = r.stateSummary as { current?: unknown; previous?: unknown } | null;
        return [r.name, { type: r.type, hasCurrent: summary?.current != null, hasPrevious: summary?.previous != null }];
      }),
    ),
  };
}

/** The exported variables as the environment page shows them: what each reads, and which cannot resolve yet. */
export async function explainEnvironmentExports(db: DbOrTx, environment: Pick<Environment, "id" | "exports">): Promise<ExportExplanation[]> {
  return explainExports(environment.exports, await exportCatalog(db, environment.id));
}

/**
 * Replaces the exported variables. Every reference must name a value or a rotator field that exists (the
 * field errors name the variable); the change is a revision like any other.
 */
export async function setEnvironmentExports(app: AppContext, { actor, environmentId, exports }: { actor: Actor; environmentId: string; exports: Record<string, string> }) {
  return app.db.transaction(async (tx) => {
    const environment = await getEnvironmentById({ db: tx, id: environmentId });
    if (!environment) throw new AppError("not-found", "That environment no longer exists.");
    const shape = exportsSchema.safeParse(exports);
    const fieldErrors = shape.success
      ? validateExports(exports, await exportCatalog(tx, environmentId))
      : Object.fromEntries(shape.error.issues.map((issue) => [issue.path.length ? String(issue.path[0]) : "", issue.message]));
    if (Object.keys(fieldErrors).length > 0) {
      throw new AppError("input:invalid", Object.values(fieldErrors)[0], {
        fieldErrors: Object.fromEntries(Object.entries(fieldErrors).map(([k, v]) => [k ? `exports.${k}` : "exports", v])),
      });
    }
    await updateEnvironmentExports({ db: tx, id: environmentId, exports });
    const revision = await recordRevision({ tx, keyring: app.keyring, environmentId, reason: "exported variables changed", actor });
    const before = Object.keys(environment.exports);
    await insertAuditEvent({
      tx,
      event: audit(actor, "environment.exports_set", environment, {
        added: Object.keys(exports).filter((k) => !before.includes(k)),
        removed: before.filter((k) => !(k in exports)),
        changed: Object.keys(exports).filter((k) => before.includes(k) && environment.exports[k] !== exports[k]),
      }),
    });
    return revision;
  });
}
