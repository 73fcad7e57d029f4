"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { authorizedAction } from "@/lib/auth/action";
import { connectorIdSchema, createConnectorSchema, deleteConnectorSchema, updateConnectorSchema } from "@/lib/connectors/validation";
import { createConnector, deleteConnector, regenerateConnectorSecret, testConnector, updateConnector } from "@/lib/connectors/service";

/** The signing secret is in the result exactly once; it is never readable again. */
export const createConnectorAction = authorizedAction({ name: "connector.create", role: "admin", schema: createConnectorSchema }, async (input, ctx) => {
  const { connector, secret } = await createConnector(ctx, { actor: ctx.actor, form: input });
  revalidatePath("/connectors");
  return { ok: true as const, data: { id: connector.id, name: connector.name, secret }, message: `Added ${connector.name}.` };
});

export const updateConnectorAction = authorizedAction({ name: "connector.update", role: "admin", schema: updateConnectorSchema }, async (input, ctx) => {
  const { connectorId, ...form } = input;
  const { connector, secret } = await updateConnector(ctx, { actor: ctx.actor, connectorId, form });
  revalidatePath(`/connectors/${connector.id}`);
  revalidatePath("/connectors");
  return { ok: true as const, data: { id: connector.id, name: connector.name, secret }, message: "Saved." };
});

export const regenerateConnectorSecretAction = authorizedAction(
  { name: "connector.regenerate_secret", role: "admin", schema: connectorIdSchema },
  async (input, ctx) => {
    const secret = await regenerateConnectorSecret(ctx, { actor: ctx.actor, connectorId: input.connectorId });
    return { ok: true as const, data: { secret }, message: "New secret generated." };
  },
);

export const deleteConnectorAction = authorizedAction({ name: "connector.delete", role: "admin", schema: deleteConnectorSchema }, async (input, ctx) => {
  await deleteConnector(ctx, { actor: ctx.actor, ...input });
  revalidatePath("/connectors");
  redirect("/connectors");
});

export const testConnectorAction = authorizedAction({ name: "connector.test", role: "admin", schema: connectorIdSchema }, async (input, ctx) => {
  const result = await testConnector(ctx, { actor: ctx.actor, connectorId: input.connectorId });
  return { ok: true as const, data: result, message: "Connector works." };
});
