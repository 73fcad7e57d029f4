import "server-only";
/**
 * Rotator configuration: create (optionally importing existing credentials, verified first), edit, delete,
 * test a connection, and reveal a credential (audited). Secret inputs are stored encrypted; what is stored
 * in plain columns has been stripped of every `secretInputPaths` entry.
 */
import type { z } from "zod";
import { byActor, type AppContext, type Actor } from "../app-context";
import type { RotatorRow } from "../db/schema";
import type { Credential, RotatorState, RotatorType } from "../rotators/types";
import { getRotatorDefinition } from "../rotators/registry";
import { describeInputIssues } from "../rotators/meta";
import { getEnvironmentById } from "../db/queries/environments";
import { deleteRotatorById, getRotatorById, getRotatorByName, insertRotator, updateRotatorById } from "../db/queries/rotators";
import { insertAuditEvent } from "../db/queries/audit";
import { clearPendingByRotators } from "../db/queries/runs";
import { recordRevision, reserveRevision } from "../environments/revisions";
import { AppError, toAppError } from "../errors";
import { decryptSecretInputs, inputsContext, loadInputs, stateSummary } from "./rotator-records";
import { encryptState, loadState } from "../environments/rotator-state";
import { credentialSecrets, keepUnchangedSecrets, secretStrings, splitSecretInputs } from "./secret-fields";
import { randomUUID } from "node:crypto";
import type { DbOrTx } from "../db/client";
import { exportsUsing } from "../environments/exports";
import { checkBinding, checkBindingExists, resolveRotatorContext, resolveStoredRotatorContext } from "./rotator-context";
import type { RotatorContext } from "../rotators/types";
import { DEFAULT_LOCKOUT_POLICY, type LockoutPolicy } from "./lockout-finding";

/** Validates a type's inputs; errors name the fields as the form labels them, keyed `inputs.<path>`. */
function parseInputs(type: RotatorType, inputs: unknown) {
  const definition = getRotatorDefinition(type);
  const parsed = definition.inputsSchema.safeParse(inputs);
  if (!parsed.success) {
    const { fieldErrors, summary } = describeInputIssues(type, (parsed.error as z.ZodError).issues);
    throw new AppError("input:invalid", summary, { fieldErrors: Object.fromEntries(Object.entries(fieldErrors).map(([path, message]) => [path ? `inputs.${path}` : "inputs", message])) });
  }
  return parsed.data as Record<string, unknown>;
}


/**
 * Proves each imported credential against the target, the way rotations reach it (`context`: login provider,
 * connector). Returns why a check could not prove anything (an ESC-compatible connector cannot log in).
 */
export async function verifyImportedState(type: RotatorType, inputs: unknown, state: RotatorState, secrets: string[], context: Partial<RotatorContext> = {}): Promise<string[]> {
  const definition = getRotatorDefinition(type);
  const skipped: string[] = [];
  for (const which of ["current", "previous"] as const) {
    const credential = state[which];
    if (!credential) continue;
    const shape = definition.credentialSchema.safeParse(credential);
    if (!shape.success) throw new AppError("input:invalid", `The imported ${which} credential is not a ${type} credential.`);
    try {
      const result = await definition.verifyCredential({ inputs, credential: shape.data, context: { ...context, checkpoint: async () => undefined } });
      if (result.skipped) skipped.push(`${which}: ${result.skipped}`);
    } catch (error) {
      throw toAppError(error, { secrets: [...secrets, ...credentialSecrets(definition, credential)], prefix: `The imported ${which} credential does not work` });
    }
  }
  return skipped;
}

/** A new rotator's row: public inputs in the clear, secret inputs and state encrypted under its id. */
export function newRotatorRow(
  keyring: AppContext["keyring"],
  rotator: { id: string; environmentId: string; name: string; type: RotatorType; inputs: Record<string, unknown>; state: RotatorState; stateRevision: number; loginProviderId?: string | null; connectorId?: string | null; lockoutPolicy?: LockoutPolicy },
) {
  const { publicInputs, secrets } = splitSecretInputs(rotator.inputs, getRotatorDefinition(rotator.type).secretInputPaths);
  return {
    id: rotator.id,
    stateRevision: rotator.state.current ? rotator.stateRevision : null,
    environmentId: rotator.environmentId,
    name: rotator.name,
    type: rotator.type,
    inputs: publicInputs,
    secretInputsCiphertext: keyring.encrypt(JSON.stringify(secrets), inputsContext(rotator.id)),
    stateCiphertext: rotator.state.current ? encryptState(keyring, rotator.id, rotator.state) : null,
    stateSummary: stateSummary(rotator.type, rotator.state),
    loginProviderId: rotator.loginProviderId ?? null,
    connectorId: rotator.connectorId ?? null,
    lockoutPolicy: rotator.lockoutPolicy ?? DEFAULT_LOCKOUT_POLICY,
  };
}

function auditEvent(actor: Actor, action: string, rotator: Pick<RotatorRow, "id" | "name">, details: Record<string, unknown>) {
  return { ...byActor(actor), action, targetType: "rotator", targetId: rotator.id, targetLabel: rotator.name, details };
}

export async function createRotator(
  app: AppContext,
  request: {
    actor: Actor;
    environmentId: string;
    name: string;
    type: RotatorType;
    inputs: unknown;
    importState?: Partial<RotatorState>;
    /** aws-iam: the AWS login provider; postgres/mysql: the connector (absent = direct). */
    loginProviderId?: string | null;
    connectorId?: string | null;
    /** The lockout guard's policy; "warn" when absent. */
    lockoutPolicy?: LockoutPolicy;
  },
): Promise<RotatorRow> {
  const definition = getRotatorDefinition(request.type);
  checkBinding(request);
  const inputs = parseInputs(request.type, request.inputs);
  const { publicInputs, secrets } = splitSecretInputs(inputs, definition.secretInputPaths);
  const state: RotatorState = { current: request.importState?.current ?? null, previous: request.importState?.previous ?? null };
  if (state.previous && !state.current) throw new AppError("input:invalid", "Import a current credential before a previous one.");
  await checkBindingExists(app, request);
  // Imported credentials are verified the way rotations will reach the target (login provider / connector).
  const resolved = state.current
    ? await resolveRotatorContext(app, {
        type: request.type,
        loginProviderId: request.loginProviderId,
        connectorId: request.connectorId,
        environmentName: (await getEnvironmentById({ db: app.db, id: request.environmentId }))?.name ?? "",
        rotatorName: request.name,
      })
    : { context: {}, secrets: [] };
  await verifyImportedState(request.type, inputs, state, [...secretStrings(secrets), ...resolved.secrets], resolved.context);
  const id = randomUUID();
  return app.db.transaction(async (tx) => {
    const environment = await getEnvironmentById({ db: tx, id: request.environmentId });
    if (!environment) throw new AppError("not-found", "That environment no longer exists.");
    if (await getRotatorByName({ db: tx, environmentId: environment.id, name: request.name })) {
      throw new AppError("conflict", `${environment.name} already has a rotator named ${request.name}.`, { fieldErrors: { name: "Already in use" } });
    }
    const reserved = await reserveRevision({ tx, environmentId: environment.id });
    const rotator = await insertRotator({
      db: tx,
      rotator: newRotatorRow(app.keyring, {
        id,
        environmentId: environment.id,
        name: request.name,
        type: request.type,
        inputs,
        state,
        stateRevision: reserved.after,
        loginProviderId: request.loginProviderId,
        connectorId: request.connectorId,
        lockoutPolicy: request.lockoutPolicy,
      }),
    });
    await recordRevision({ tx, keyring: app.keyring, environmentId: environment.id, reason: `rotator ${request.name} added`, actor: request.actor, changedRotators: [request.name], reserved });
    await insertAuditEvent({
      tx,
      event: auditEvent(request.actor, "rotator.created", rotator, {
        type: request.type,
        environment: environment.name,
        inputs: publicInputs,
        importedState: Boolean(state.current),
        loginProviderId: rotator.loginProviderId,
        connectorId: rotator.connectorId,
        lockoutPolicy: rotator.lockoutPolicy,
      }),
    });
    return rotator;
  });
}

export async function updateRotator(
  app: AppContext,
  // loginProviderId / connectorId: undefined keeps the current choice, null clears it (static keys / direct).
  // lockoutPolicy: undefined keeps the current policy.
  request: { actor: Actor; rotatorId: string; name: string; inputs: unknown; loginProviderId?: string | null; connectorId?: string | null; lockoutPolicy?: LockoutPolicy },
): Promise<RotatorRow> {
  const existing = await getRotatorById({ db: app.db, id: request.rotatorId });
  if (!existing) throw new AppError("not-found", "That rotator no longer exists.");
  const definition = getRotatorDefinition(existing.type);
  checkBinding({ type: existing.type, loginProviderId: request.loginProviderId, connectorId: request.connectorId });
  await checkBindingExists(app, request);
  const usesLogin = Boolean(request.loginProviderId !== undefined ? request.loginProviderId : existing.loginProviderId);
  const storedSecrets = withoutReplacedLogin(existing.type, usesLogin, request.inputs, decryptSecretInputs(app.keyring, existing));
  const inputs = parseInputs(existing.type, keepUnchangedSecrets(request.inputs as Record<string, unknown>, storedSecrets, definition.secretInputPaths));
  const { publicInputs, secrets } = splitSecretInputs(inputs, definition.secretInputPaths);
  return app.db.transaction(async (tx) => {
    if (request.name !== existing.name) await refuseIfExported(tx, existing, "rename");
    const clash = await getRotatorByName({ db: tx, environmentId: existing.environmentId, name: request.name });
    if (clash && clash.id !== existing.id) throw new AppError("conflict", `A rotator named ${request.name} already exists here.`, { fieldErrors: { name: "Already in use" } });
    const rotator = await updateRotatorById({
      db: tx,
      id: existing.id,
      patch: {
        name: request.name,
        inputs: publicInputs,
        secretInputsCiphertext: app.keyring.encrypt(JSON.stringify(secrets), inputsContext(existing.id)),
        ...(request.loginProviderId !== undefined ? { loginProviderId: request.loginProviderId } : {}),
        ...(request.connectorId !== undefined ? { connectorId: request.connectorId } : {}),
        ...(request.lockoutPolicy !== undefined ? { lockoutPolicy: request.lockoutPolicy } : {}),
      },
    });
    await recordRevision({
      tx,
      keyring: app.keyring,
      environmentId: existing.environmentId,
      reason: existing.name === request.name ? `rotator ${request.name} changed` : `rotator ${existing.name} renamed to ${request.name}`,
      actor: request.actor,
      changedRotators: [...new Set([existing.name, request.name])],
    });
    const changedSecrets = Object.keys(secrets).filter((k) => JSON.stringify(secrets[k]) !== JSON.stringify(storedSecrets[k]));
    await insertAuditEvent({
      tx,
      event: auditEvent(request.actor, "rotator.updated", rotator, {
        from: { name: existing.name, inputs: existing.inputs, loginProviderId: existing.loginProviderId, connectorId: existing.connectorId, lockoutPolicy: existing.lockoutPolicy },
        to: { name: request.name, inputs: publicInputs, loginProviderId: rotator.loginProviderId, connectorId: rotator.connectorId, lockoutPolicy: rotator.lockoutPolicy },
        secretsChanged: changedSecrets,
      }),
    });
    return rotator;
  });
}

export async function deleteRotator(app: AppContext, request: { actor: Actor; rotatorId: string; confirmName: string }) {
  return app.db.transaction(async (tx) => {
    const rotator = await getRotatorById({ db: tx, id: request.rotatorId });
    if (!rotator) throw new AppError("not-found", "That rotator no longer exists.");
    if (request.confirmName !== rotator.name) throw new AppError("input:invalid", `Type ${rotator.name} exactly to confirm.`, { fieldErrors: { confirmName: "Does not match the name" } });
    if (rotator.leaseOwner && rotator.leaseExpiresAt && rotator.leaseExpiresAt > new Date()) {
      throw new AppError("rotation:busy", `${rotator.name} is rotating right now. Delete it when the rotation has finished.`);
    }
    await refuseIfExported(tx, rotator, "delete");
    await clearPendingByRotators({ db: tx, rotatorIds: [rotator.id] });
    await deleteRotatorById({ db: tx, id: rotator.id });
    await recordRevision({ tx, keyring: app.keyring, environmentId: rotator.environmentId, reason: `rotator ${rotator.name} removed`, actor: request.actor, changedRotators: [rotator.name] });
    await insertAuditEvent({ tx, event: auditEvent(request.actor, "rotator.deleted", rotator, { type: rotator.type }) });
  });
}

/** Consumers read exported variables by the rotator's name: renaming or deleting it would break them silently. */
async function refuseIfExported(db: DbOrTx, rotator: Pick<RotatorRow, "environmentId" | "name">, what: "rename" | "delete") {
  const environment = await getEnvironmentById({ db, id: rotator.environmentId });
  const users = exportsUsing(environment?.exports ?? {}, { rotator: rotator.name });
  if (users.length > 0) {
    throw new AppError("conflict", `The exported variable${users.length > 1 ? "s" : ""} ${users.join(", ")} read${users.length > 1 ? "" : "s"} ${rotator.name}: change ${users.length > 1 ? "them" : "it"} before you ${what} the rotator.`, {
      fieldErrors: { name: "Used by an exported variable" },
    });
  }
}

/** What a check of inputs (saved or not) works with: what Test connection and Check rotation share. */
export interface UncheckedRotator {
  /** The inputs as the form sends them; when editing, empty secret fields mean "the stored value". */
  type: RotatorType;
  inputs: unknown;
  rotatorId?: string;
  /** Through this login / connector (undefined: the stored rotator's choice; null: none). */
  loginProviderId?: string | null;
  connectorId?: string | null;
  /** For a rotator not saved yet: fills the login's subject template like its rotations will. */
  environmentId?: string;
  name?: string;
}

/**
 * The parsed inputs, and the context a rotation of them would reach the target with (login provider,
 * connector), plus every secret to scrub from what comes back. Changes nothing.
 */
export async function resolveUncheckedRotator(app: AppContext, request: UncheckedRotator) {
  const definition = getRotatorDefinition(request.type);
  let raw = request.inputs as Record<string, unknown>;
  const existing = request.rotatorId ? await getRotatorById({ db: app.db, id: request.rotatorId }) : undefined;
  if (existing) {
    const usesLogin = Boolean(request.loginProviderId !== undefined ? request.loginProviderId : existing.loginProviderId);
    raw = keepUnchangedSecrets(raw, withoutReplacedLogin(existing.type, usesLogin, raw, decryptSecretInputs(app.keyring, existing)), definition.secretInputPaths);
  }
  const inputs = parseInputs(request.type, raw);
  const secrets = secretStrings(splitSecretInputs(inputs, definition.secretInputPaths).secrets);
  const binding = {
    type: request.type,
    loginProviderId: request.loginProviderId !== undefined ? request.loginProviderId : (existing?.loginProviderId ?? null),
    connectorId: request.connectorId !== undefined ? request.connectorId : (existing?.connectorId ?? null),
  };
  checkBinding(binding);
  const environmentId = existing?.environmentId ?? request.environmentId;
  const environment = environmentId ? await getEnvironmentById({ db: app.db, id: environmentId }) : undefined;
  const resolved = await resolveRotatorContext(app, {
    ...binding,
    environmentName: environment?.name ?? "(test)",
    rotatorName: existing?.name ?? (request.name || "(test)"),
  });
  secrets.push(...resolved.secrets);
  const context: RotatorContext = { ...resolved.context, checkpoint: async () => undefined };
  return { definition, inputs, context, secrets, existing };
}

/** Checks the managing credentials and the target with the given inputs; changes nothing. */
export async function testRotatorConnection(app: AppContext, request: UncheckedRotator) {
  const { definition, inputs, context, secrets } = await resolveUncheckedRotator(app, request);
  try {
    return await definition.testConnection({ inputs, context });
  } catch (error) {
    throw toAppError(error, { secrets, prefix: "Connection test failed" });
  }
}

/**
 * A type that signs in to AWS: when a login provider replaces the static keys in its inputs (the new inputs
 * carry none), the stored static secrets must not be merged back in, or they would revive a half login object.
 */
function withoutReplacedLogin(type: RotatorType, usesLoginProvider: boolean, nextInputs: unknown, stored: Record<string, unknown>): Record<string, unknown> {
  const binding = getRotatorDefinition(type).binding;
  if (binding.kind !== "aws-login" || !usesLoginProvider) return stored;
  const path = binding.inlineLoginPath;
  if ((nextInputs as Record<string, unknown> | null)?.[path] !== undefined) return stored;
  return Object.fromEntries(Object.entries(stored).filter(([secretPath]) => !secretPath.startsWith(`${path}.`)));
}

/** Returns one credential in full, for an operator or admin who asked for it on purpose; audited. */
export async function revealCredential(app: AppContext, request: { actor: Actor; rotatorId: string; which: "current" | "previous" }) {
  return app.db.transaction(async (tx) => {
    const rotator = await getRotatorById({ db: tx, id: request.rotatorId });
    if (!rotator) throw new AppError("not-found", "That rotator no longer exists.");
    const state = loadState(app.keyring, rotator);
    const credential = state[request.which];
    if (!credential) throw new AppError("not-found", `${rotator.name} has no ${request.which} credential yet.`);
    await insertAuditEvent({ tx, event: auditEvent(request.actor, "secret.revealed", rotator, { which: request.which }) });
    return credential;
  });
}

/**
 * Replaces a rotator's state with credentials that already exist at the target (e.g. taken over from another
 * tool). Each is verified against the target first, the way rotations reach it; nothing changes otherwise.
 */
export async function importRotatorState(app: AppContext, request: { actor: Actor; rotatorId: string; state: { current: Credential; previous?: Credential | null } }) {
  const rotator = await getRotatorById({ db: app.db, id: request.rotatorId });
  if (!rotator) throw new AppError("not-found", "That rotator no longer exists.");
  const inputs = loadInputs(app.keyring, rotator);
  const state: RotatorState = { current: request.state.current, previous: request.state.previous ?? null };
  const resolved = await resolveStoredRotatorContext(app, rotator);
  await verifyImportedState(rotator.type, inputs, state, [...secretStrings(decryptSecretInputs(app.keyring, rotator)), ...resolved.secrets], resolved.context);
  return app.db.transaction(async (tx) => {
    const fresh = await getRotatorById({ db: tx, id: rotator.id });
    if (!fresh) throw new AppError("not-found", "That rotator no longer exists.");
    if (fresh.leaseOwner && fresh.leaseExpiresAt && fresh.leaseExpiresAt > new Date()) {
      throw new AppError("rotation:busy", `${rotator.name} is rotating right now. Import when the rotation has finished.`);
    }
    const reserved = await reserveRevision({ tx, environmentId: rotator.environmentId });
    const updated = await updateRotatorById({
      db: tx,
      id: rotator.id,
      patch: { stateCiphertext: encryptState(app.keyring, rotator.id, state), stateSummary: stateSummary(rotator.type, state), stateRevision: reserved.after },
    });
    await recordRevision({ tx, keyring: app.keyring, environmentId: rotator.environmentId, reason: `state of ${rotator.name} imported`, actor: request.actor, changedRotators: [rotator.name], reserved });
    await insertAuditEvent({ tx, event: auditEvent(request.actor, "rotator.state_imported", rotator, { current: stateSummary(rotator.type, state).current, previous: Boolean(state.previous) }) });
    return updated!;
  });
}
