"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { authorizedAction } from "@/lib/auth/action";
import {
  createLoginProviderSchema,
  deleteLoginProviderSchema,
  loginProviderIdSchema,
  updateLoginProviderSchema,
} from "@/lib/aws-logins/validation";
import {
  createLoginProvider,
  deleteLoginProvider,
  rotateIssuerSigningKeys,
  testLoginProvider,
  updateLoginProvider,
} from "@/lib/aws-logins/service";

export const createLoginAction = authorizedAction({ name: "aws-login.create", role: "admin", schema: createLoginProviderSchema }, async (input, ctx) => {
  const row = await createLoginProvider(ctx, { actor: ctx.actor, form: input });
  revalidatePath("/aws-logins");
  return { ok: true as const, data: { id: row.id }, message: `Added ${row.name}.` };
});

export const updateLoginAction = authorizedAction({ name: "aws-login.update", role: "admin", schema: updateLoginProviderSchema }, async (input, ctx) => {
  const { loginProviderId, ...form } = input;
  const row = await updateLoginProvider(ctx, { actor: ctx.actor, loginProviderId, form });
  revalidatePath(`/aws-logins/${row.id}`);
  revalidatePath("/aws-logins");
  return { ok: true as const, data: { id: row.id }, message: "Saved." };
});

export const deleteLoginAction = authorizedAction({ name: "aws-login.delete", role: "admin", schema: deleteLoginProviderSchema }, async (input, ctx) => {
  await deleteLoginProvider(ctx, { actor: ctx.actor, ...input });
  revalidatePath("/aws-logins");
  redirect("/aws-logins");
});

export const testLoginAction = authorizedAction({ name: "aws-login.test", role: "admin", schema: loginProviderIdSchema }, async (input, ctx) => {
  const result = await testLoginProvider(ctx, { actor: ctx.actor, loginProviderId: input.loginProviderId });
  return { ok: true as const, data: result, message: `Login works: ${result.identity.arn}` };
});

export const rotateIssuerKeysAction = authorizedAction({ name: "aws-login.rotate_issuer_keys", role: "admin", schema: z.object({}) }, async (_input, ctx) => {
  const keys = await rotateIssuerSigningKeys(ctx, { actor: ctx.actor });
  revalidatePath("/aws-logins");
  return { ok: true as const, data: { current: keys.current.kid }, message: `Signing key ${keys.current.kid.slice(0, 12)}… is now current.` };
});
