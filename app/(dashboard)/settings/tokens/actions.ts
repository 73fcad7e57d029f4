"use server";
/** Settings → API tokens: the same services as /api/v1/tokens (lib/tokens/tokens.ts), which hold every rule. */
import { revalidatePath } from "next/cache";
import { authorizedAction, type ActionContext } from "@/lib/auth/action";
import { hasRole } from "@/lib/auth/roles";
import { createToken, revokeToken, type TokenManager, type TokenView } from "@/lib/tokens/tokens";
import { createTokenFormSchema, revokeTokenFormSchema } from "@/lib/tokens/validation";

function managerOf(ctx: ActionContext): TokenManager {
  return { actor: ctx.actor, user: { id: ctx.user.id, email: ctx.user.email }, admin: hasRole(ctx.user.role, "admin") };
}

/** Returns the token's value: the one answer that ever carries it. */
export const createTokenAction = authorizedAction({ name: "token.create", role: "viewer", schema: createTokenFormSchema }, async (input, ctx) => {
  const created = await createToken(ctx, managerOf(ctx), input);
  revalidatePath("/settings/tokens");
  return { ok: true as const, data: { token: created.token, view: created.view satisfies TokenView }, message: `Created ${created.view.name}.` };
});

export const revokeTokenAction = authorizedAction({ name: "token.revoke", role: "viewer", schema: revokeTokenFormSchema }, async (input, ctx) => {
  const token = await revokeToken(ctx, { manager: managerOf(ctx), tokenId: input.tokenId });
  revalidatePath("/settings/tokens");
  return { ok: true as const, data: undefined, message: `Revoked ${token.name}.` };
});
