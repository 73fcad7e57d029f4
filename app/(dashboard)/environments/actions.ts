"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { authorizedAction } from "@/lib/auth/action";
import {
  createEnvironmentSchema,
  deleteEnvironmentSchema,
  deleteValueSchema,
  renameEnvironmentSchema,
  setExportsSchema,
  setValueSchema,
} from "@/lib/environments/validation";
import { createEnvironment, deleteEnvironment, removeEnvironmentValue, renameEnvironment, setEnvironmentExports, setEnvironmentValue } from "@/lib/environments/service";
import { startEnvironmentRotations } from "@/lib/rotation/rotate-environment";

export const createEnvironmentAction = authorizedAction({ name: "environment.create", role: "operator", schema: createEnvironmentSchema }, async (input, ctx) => {
  const environment = await createEnvironment(ctx, { actor: ctx.actor, ...input });
  redirect(`/environments/${environment.id}`);
});

export const renameEnvironmentAction = authorizedAction({ name: "environment.update", role: "operator", schema: renameEnvironmentSchema }, async (input, ctx) => {
  await renameEnvironment(ctx, { actor: ctx.actor, ...input });
  revalidatePath(`/environments/${input.environmentId}`);
  return { ok: true as const, data: undefined, message: "Saved." };
});

export const deleteEnvironmentAction = authorizedAction({ name: "environment.delete", role: "admin", schema: deleteEnvironmentSchema }, async (input, ctx) => {
  await deleteEnvironment(ctx, { actor: ctx.actor, ...input });
  redirect("/environments");
});

export const setValueAction = authorizedAction({ name: "environment.value_set", role: "operator", schema: setValueSchema }, async (input, ctx) => {
  await setEnvironmentValue(ctx, { actor: ctx.actor, ...input });
  revalidatePath(`/environments/${input.environmentId}`);
  return { ok: true as const, data: undefined, message: `Saved ${input.key}.` };
});

export const deleteValueAction = authorizedAction({ name: "environment.value_removed", role: "operator", schema: deleteValueSchema }, async (input, ctx) => {
  await removeEnvironmentValue(ctx, { actor: ctx.actor, ...input });
  revalidatePath(`/environments/${input.environmentId}`);
  return { ok: true as const, data: undefined, message: `Removed ${input.key}.` };
});

/** Replaces the exported variables (validated against the environment by the service; a new revision). */
export const setExportsAction = authorizedAction({ name: "environment.exports_set", role: "operator", schema: setExportsSchema }, async (input, ctx) => {
  const revision = await setEnvironmentExports(ctx, { actor: ctx.actor, ...input });
  revalidatePath(`/environments/${input.environmentId}`);
  return { ok: true as const, data: undefined, message: `Saved as revision ${revision.after}.` };
});

/**
 * Starts rotating every rotator of the environment and answers as soon as each run exists (or was skipped,
 * e.g. because it is already rotating, with the reason); the page follows the batch until its runs end. Bound to
 * the revision the page showed, like Rotate now: if a rotation replaced a credential since, nothing starts
 * (rotation:stale-revision) and the page asks whether to rotate again (sent without the revision).
 */
export const rotateEnvironmentAction = authorizedAction(
  { name: "environment.rotate", role: "operator", schema: z.object({ environmentId: z.uuid(), expectedRevision: z.number().int().min(0).optional() }) },
  async (input, ctx) => {
    const { batchId, runs } = await startEnvironmentRotations(ctx, { environmentId: input.environmentId, expectedRevision: input.expectedRevision, trigger: "user", actor: ctx.actor });
    return { ok: true as const, data: { batchId, runs }, message: "Rotation of every rotator started." };
  },
);
