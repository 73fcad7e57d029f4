"use server";
import { after } from "next/server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { authorizedAction } from "@/lib/auth/action";
import {
  createRotatorSchema,
  deleteRotatorSchema,
  revealSchema,
  rollbackSchema,
  rotateAnywaySchema,
  rotatorIdSchema,
  rotateNowSchema,
  testConnectionSchema,
  updateRotatorSchema,
} from "@/lib/rotation/validation";
import { createRotator, deleteRotator, revealCredential, testRotatorConnection, updateRotator } from "@/lib/rotation/rotator-service";
import { startRotation } from "@/lib/rotation/engine";
import { checkRotator, checkUnsavedRotator } from "@/lib/rotation/preflight";
import { rotateAnyway } from "@/lib/rotation/rotate-anyway";
import { rollbackRotator } from "@/lib/rotation/rollback";
import { getRotatorById } from "@/lib/db/queries/rotators";
import { logError } from "@/lib/log";

/**
 * Check rotation runs before a new rotator is saved: one whose first rotation would fail is saved only with the
 * explicit `saveAnyway`, and the refusal carries the checklist (`details.check`) for the form to show.
 */
export const createRotatorAction = authorizedAction({ name: "rotator.create", role: "operator", schema: createRotatorSchema }, async (input, ctx) => {
  const importState = input.importState ? { current: input.importState.current ?? null, previous: input.importState.previous ?? null } : undefined;
  const binding = { loginProviderId: input.loginProviderId, connectorId: input.connectorId };
  const check = input.saveAnyway
    ? null
    : await checkUnsavedRotator(ctx, { type: input.type, inputs: input.inputs, ...binding, environmentId: input.environmentId, name: input.name, importState });
  if (check && !check.ok) {
    return { ok: false as const, error: `Check rotation: ${check.summary}. Nothing was saved: fix what the checklist says, or save anyway.`, details: { check } };
  }
  const rotator = await createRotator(ctx, {
    actor: ctx.actor,
    environmentId: input.environmentId,
    name: input.name,
    type: input.type,
    inputs: input.inputs,
    importState,
    ...binding,
    lockoutPolicy: input.lockoutPolicy,
  });
  return { ok: true as const, data: { id: rotator.id, check }, message: "Rotator created." };
});

/** Check rotation of a saved rotator: the checklist, changing nothing. */
export const checkRotationAction = authorizedAction({ name: "rotator.check", role: "operator", schema: rotatorIdSchema }, async (input, ctx) => {
  return { ok: true as const, data: await checkRotator(ctx, { rotatorId: input.rotatorId }) };
});

export const updateRotatorAction = authorizedAction({ name: "rotator.update", role: "operator", schema: updateRotatorSchema }, async (input, ctx) => {
  const rotator = await updateRotator(ctx, { actor: ctx.actor, ...input });
  revalidatePath(`/rotators/${rotator.id}`);
  return { ok: true as const, data: { id: rotator.id }, message: "Saved." };
});

export const deleteRotatorAction = authorizedAction({ name: "rotator.delete", role: "operator", schema: deleteRotatorSchema }, async (input, ctx) => {
  const rotator = await getRotatorById({ db: ctx.db, id: input.rotatorId });
  await deleteRotator(ctx, { actor: ctx.actor, ...input });
  redirect(rotator ? `/environments/${rotator.environmentId}` : "/environments");
});

export const testConnectionAction = authorizedAction({ name: "rotator.test_connection", role: "operator", schema: testConnectionSchema }, async (input, ctx) => {
  const result = await testRotatorConnection(ctx, input);
  return { ok: true as const, data: { details: result?.details ?? [] }, message: "Connection works." };
});

/** The one way a secret value reaches a browser: on purpose, for an operator or admin, audited. */
export const revealCredentialAction = authorizedAction({ name: "secret.reveal", role: "operator", schema: revealSchema }, async (input, ctx) => {
  const credential = await revealCredential(ctx, { actor: ctx.actor, ...input });
  return { ok: true as const, data: { credential } };
});

/**
 * Starts the rotation and returns its run id at once; the page follows its steps live. Bound to the revision
 * the page showed: if a rotation replaced the credential since, it is refused (rotation:stale-revision) and the
 * page asks whether to rotate again.
 */
export const rotateNowAction = authorizedAction({ name: "rotator.rotate", role: "operator", schema: rotateNowSchema }, async (input, ctx) => {
  const { runId, completion } = await startRotation(ctx, { rotatorId: input.rotatorId, trigger: "user", actor: ctx.actor, expectedRevision: input.expectedRevision });
  after(() => completion.catch((error) => logError(`run ${runId} ended unexpectedly`, error)));
  return { ok: true as const, data: { runId } };
});

/** Rotates a rotator the lockout guard held, after the operator confirmed who still uses it; audited. */
export const rotateAnywayAction = authorizedAction({ name: "rotator.rotate_anyway", role: "operator", schema: rotateAnywaySchema }, async (input, ctx) => {
  const { runId, completion } = await rotateAnyway(ctx, { actor: ctx.actor, rotatorId: input.rotatorId, heldRunId: input.heldRunId });
  after(() => completion.catch((error) => logError(`run ${runId} ended unexpectedly`, error)));
  return { ok: true as const, data: { runId } };
});

/**
 * Roll back: previous becomes current again (the service proves it still works, audits and records a revision).
 * Bound to the revision the page showed, so a second click does not swap back; refusals come back as their message.
 */
export const rollbackAction = authorizedAction({ name: "rotator.rollback", role: "operator", schema: rollbackSchema }, async (input, ctx) => {
  const rotator = await rollbackRotator(ctx, { actor: ctx.actor, rotatorId: input.rotatorId, expectedRevision: input.expectedRevision });
  revalidatePath(`/rotators/${rotator.id}`);
  return { ok: true as const, data: { stateRevision: rotator.stateRevision }, message: `Rolled back ${rotator.name}: its previous credential is current again.` };
});
