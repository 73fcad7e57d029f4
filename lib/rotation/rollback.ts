import "server-only";
/**
 * Roll back: make a rotator's previous credential current again, for a consumer that broke after a
 * rotation. Only while the previous credential still works at the target — proven first, the way rotations
 * prove a new one — so a rollback never hands consumers a dead credential:
 * - two-user SQL, Redis, generated values: both credentials still work, so it is a state swap plus a revision;
 * - aws-iam: a key that grace deactivated is reactivated first (the rotator's `rollback`); a deleted one is
 *   refused with the reason.
 * Under the rotator's lease (never beside a running rotation), audited, and recorded as a revision so that
 * consumers pick the swap up like a rotation.
 */
import { byActor, type Actor, type AppContext } from "../app-context";
import { acquireRotatorLease, releaseRotatorLease, updateRotatorById } from "../db/queries/rotators";
import { insertAuditEvent } from "../db/queries/audit";
import { getUnfinishedRunByRotator } from "../db/queries/runs";
import { recordRevision, reserveRevision } from "../environments/revisions";
import { getRotatorDefinition } from "../rotators/registry";
import type { Credential, RotatorContext, RotatorState } from "../rotators/types";
import { AppError, toAppError } from "../errors";
import { decryptSecretInputs, loadInputs, stateSummary } from "./rotator-records";
import { encryptState, loadState } from "../environments/rotator-state";
import { resolveStoredRotatorContext } from "./rotator-context";
import { replacedSince } from "./replaced-since";
import { credentialSecrets, secretStrings } from "./secret-fields";
import { leaseOwner } from "./lease-owner";
import { env } from "../env";
import type { RotatorRow } from "../db/schema";

export interface RollbackOptions {
  /** Extra rotator context (a fast clock in tests), as for rotations. */
  rotatorContext?: Partial<RotatorContext>;
}

/**
 * Swaps current and previous after proving previous works; returns the updated rotator row. `expectedRevision`
 * is the environment revision the request was made from: if a rotation (or another rollback) has replaced the
 * credential since, "previous" is no longer the credential the person meant, so the request is refused
 * (rotation:stale-revision) with when and by whom; without it, it rolls back whatever is previous now.
 */
export async function rollbackRotator(
  app: AppContext,
  request: { actor: Actor; rotatorId: string; expectedRevision?: number },
  options: RollbackOptions = {},
): Promise<RotatorRow> {
  const owner = leaseOwner("rollback");
  const rotator = await acquireRotatorLease({ db: app.db, id: request.rotatorId, owner, ttlMs: env().scheduler.leaseMs });
  if (!rotator) throw new AppError("rotation:busy", "This rotator is rotating right now (or it no longer exists). Roll back when the rotation has finished.");
  try {
    if (await getUnfinishedRunByRotator({ db: app.db, rotatorId: rotator.id })) {
      // Its pending credential was planned against the state before the swap: let it finish first.
      throw new AppError("rotation:busy", `An interrupted rotation of ${rotator.name} is waiting to be resumed. Rotate now (it resumes and finishes), then roll back if you still need to.`);
    }
    // Checked under the lease, like a rotation: nothing can replace the credential between this check and the swap.
    const replaced = await replacedSince(app, rotator, request.expectedRevision, "roll back anyway?");
    if (replaced) throw new AppError("rotation:stale-revision", replaced);
    const definition = getRotatorDefinition(rotator.type);
    const state = loadState(app.keyring, rotator);
    const nameOf = (credential: Credential) => Object.entries(credential).find(([key]) => !definition.secretCredentialKeys.includes(key))?.[1];
    if (!state.current || !state.previous) {
      throw new AppError(
        "conflict",
        `${rotator.name} has no previous credential to roll back to: ${state.current ? "it was retired (a rotation removed it at the target, or there was none yet)" : "it has not been rotated yet"}.`,
      );
    }
    const previous = state.previous;
    const current = state.current;
    const previousName = nameOf(previous);
    const inputs = loadInputs(app.keyring, rotator);
    const resolved = await resolveStoredRotatorContext(app, rotator);
    const context: RotatorContext = { ...resolved.context, ...options.rotatorContext, rotatorId: rotator.id, checkpoint: async () => undefined };
    const secrets = [...secretStrings(decryptSecretInputs(app.keyring, rotator)), ...resolved.secrets, ...credentialSecrets(definition, state.current, previous)];
    try {
      // Undo what the rotator itself did to previous (grace deactivated the key), then prove it works.
      await definition.rollback?.({ inputs, state, context });
      await definition.verify({ inputs, credential: previous, context });
    } catch (error) {
      const reason = toAppError(error, { secrets, context: `rollback of ${rotator.name}` });
      throw new AppError("conflict", `Cannot roll back: the previous credential${previousName ? ` (${previousName})` : ""} no longer works. ${reason.message}`, { cause: error });
    }

    const next: RotatorState = { current: previous, previous: current };
    return await app.db.transaction(async (tx) => {
      const reserved = await reserveRevision({ tx, environmentId: rotator.environmentId });
      const updated = await updateRotatorById({
        db: tx,
        id: rotator.id,
        patch: { stateCiphertext: encryptState(app.keyring, rotator.id, next), stateSummary: stateSummary(rotator.type, next), stateRevision: reserved.after },
      });
      await recordRevision({ tx, keyring: app.keyring, environmentId: rotator.environmentId, reason: `rolled back ${rotator.name}`, actor: request.actor, changedRotators: [rotator.name], reserved });
      await insertAuditEvent({
        tx,
        event: {
          ...byActor(request.actor),
          action: "rotator.rolled_back",
          targetType: "rotator",
          targetId: rotator.id,
          targetLabel: rotator.name,
          details: { type: rotator.type, revision: reserved.after, current: previousName ?? null, previous: nameOf(current) ?? null },
        },
      });
      return updated!;
    });
  } finally {
    await releaseRotatorLease({ db: app.db, id: rotator.id, owner });
  }
}
