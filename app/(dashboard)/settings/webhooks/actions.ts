"use server";
import { revalidatePath } from "next/cache";
import { env } from "@/lib/env";
import { authorizedAction } from "@/lib/auth/action";
import { createWebhookSchema, setWebhookEnabledSchema, updateWebhookSchema, webhookIdSchema } from "@/lib/webhooks/validation";
import { createWebhook, deleteWebhook, renewWebhookSecret, retirePreviousWebhookSecret, sendTestWebhook, setWebhookEnabled, updateWebhook } from "@/lib/webhooks/service";

const PAGE = "/settings/webhooks";

export const createWebhookAction = authorizedAction({ name: "webhook.create", role: "admin", schema: createWebhookSchema }, async (input, ctx) => {
  const { webhook, secret } = await createWebhook(ctx, { actor: ctx.actor, input });
  revalidatePath(PAGE);
  // The signing secret is returned this once, to the admin who created the webhook.
  return { ok: true as const, data: { id: webhook.id, secret }, message: `Added ${webhook.name}.` };
});

export const updateWebhookAction = authorizedAction({ name: "webhook.update", role: "admin", schema: updateWebhookSchema }, async (input, ctx) => {
  const webhook = await updateWebhook(ctx, { actor: ctx.actor, input });
  revalidatePath(PAGE);
  return { ok: true as const, data: { id: webhook.id }, message: "Saved." };
});

export const setWebhookEnabledAction = authorizedAction({ name: "webhook.enable", role: "admin", schema: setWebhookEnabledSchema }, async (input, ctx) => {
  await setWebhookEnabled(ctx, { actor: ctx.actor, ...input });
  revalidatePath(PAGE);
  return { ok: true as const, data: undefined, message: input.enabled ? "Enabled." : "Disabled." };
});

export const deleteWebhookAction = authorizedAction({ name: "webhook.delete", role: "admin", schema: webhookIdSchema }, async (input, ctx) => {
  await deleteWebhook(ctx, { actor: ctx.actor, webhookId: input.webhookId });
  revalidatePath(PAGE);
  return { ok: true as const, data: undefined, message: "Deleted." };
});

export const renewWebhookSecretAction = authorizedAction({ name: "webhook.secret", role: "admin", schema: webhookIdSchema }, async (input, ctx) => {
  const overlapHours = env().webhooks.secretOverlapHours;
  const secret = await renewWebhookSecret(ctx, { actor: ctx.actor, webhookId: input.webhookId, overlapHours });
  revalidatePath(PAGE);
  const overlap = overlapHours > 0 ? ` The previous secret keeps signing beside it for ${overlapHours} hours.` : "";
  return { ok: true as const, data: { secret }, message: `New signing secret (shown once).${overlap}` };
});

export const retirePreviousWebhookSecretAction = authorizedAction({ name: "webhook.secret", role: "admin", schema: webhookIdSchema }, async (input, ctx) => {
  await retirePreviousWebhookSecret(ctx, { actor: ctx.actor, webhookId: input.webhookId });
  revalidatePath(PAGE);
  return { ok: true as const, data: undefined, message: "Only the new secret signs from now on." };
});

export const sendTestWebhookAction = authorizedAction({ name: "webhook.test", role: "admin", schema: webhookIdSchema }, async (input, ctx) => {
  const outcome = await sendTestWebhook(ctx, { actor: ctx.actor, webhookId: input.webhookId });
  revalidatePath(PAGE);
  if (outcome.status === "succeeded") return { ok: true as const, data: outcome, message: `Delivered (HTTP ${outcome.responseStatus}).` };
  return { ok: false as const, error: `Not delivered: ${outcome.error ?? "unknown error"}` };
});
