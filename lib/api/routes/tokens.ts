import "server-only";
/** /api/v1/tokens, /whoami and /auth/token: who is calling, and API tokens. */
import { z } from "zod";
import { defineApiRoute, type ApiContext } from "../route";
import { createdTokenSchema, listOf, tokenSchema, userSchema } from "../schemas";
import { createPersonalToken, createToken, listTokens, revokeToken, tokenViews, type TokenManager } from "../../tokens/tokens";
import { createTokenBodySchema, expiresAtSchema, tokenNameSchema } from "../../tokens/validation";
import { signInFailureMessage, signInWithPassword } from "../../auth/password-sign-in";
import { AppError } from "../../errors";
import { getUserById } from "../../db/queries/users";

const TAG = "Tokens";

/** The caller as lib/tokens sees a token manager: the rules live there, not here. */
function managerOf(ctx: ApiContext): TokenManager {
  const caller = ctx.caller!;
  return {
    actor: ctx.actor,
    user: caller.user,
    admin: ctx.can("token.manage"),
    callingToken: { id: caller.token.id, limitedToEnvironments: caller.grant.kind === "service" && caller.grant.environmentIds !== null },
  };
}

export const whoamiRoute = defineApiRoute({
  method: "GET",
  path: "/whoami",
  operationId: "whoami",
  summary: "Show who this token is",
  description: "Also the cheapest authenticated request: it reads nothing but the token (and the names it shows).",
  tag: TAG,
  auth: "environment.list",
  responses: { 200: { description: "The token and, for a personal token, its owner", schema: z.object({ token: tokenSchema, user: userSchema.nullable() }) } },
  async handler(_call, ctx) {
    const [view] = await tokenViews(ctx, [ctx.caller!.token]);
    const user = ctx.caller!.user;
    return { status: 200, body: { token: view, user: user ? { email: user.email, role: user.role } : null } };
  },
});

export const listTokensRoute = defineApiRoute({
  method: "GET",
  path: "/tokens",
  operationId: "listTokens",
  summary: "List API tokens",
  description: "Admins see every token; others their own personal tokens.",
  tag: TAG,
  auth: "token.own",
  responses: { 200: { description: "Newest first (values are never shown again)", schema: listOf(tokenSchema) } },
  async handler(_call, ctx) {
    return { status: 200, body: { items: await listTokens(ctx, managerOf(ctx)) } };
  },
});

export const createTokenRoute = defineApiRoute({
  method: "POST",
  path: "/tokens",
  operationId: "createToken",
  summary: "Create an API token",
  description:
    "`personal`: a token acting with your own role (any user). `service`: a token for an application, with a scope and the environments it may use — admins only. The token is in the answer once.",
  tag: TAG,
  auth: "token.own",
  body: createTokenBodySchema,
  responses: { 201: { description: "Created", schema: createdTokenSchema } },
  async handler({ body }, ctx) {
    const created = await createToken(ctx, managerOf(ctx), body);
    return { status: 201, body: { token: created.token, tokenInfo: created.view } };
  },
});

export const revokeTokenRoute = defineApiRoute({
  method: "DELETE",
  path: "/tokens/{id}",
  operationId: "revokeToken",
  summary: "Revoke an API token",
  description: "Takes effect at once. `current` revokes the token making the request (what `rotor logout` does).",
  tag: TAG,
  auth: "token.own",
  params: z.object({ id: z.union([z.uuid(), z.literal("current")], { message: "id is a token id or current" }) }),
  responses: { 204: { description: "Revoked" } },
  async handler({ params }, ctx) {
    await revokeToken(ctx, { manager: managerOf(ctx), tokenId: params.id === "current" ? ctx.caller!.token.id : params.id });
    return { status: 204 };
  },
});

/** `DELETE /tokens/current` must work for service tokens too (they have no `token.own`). */
export const revokeCurrentTokenRoute = defineApiRoute({
  ...revokeTokenRoute,
  path: "/tokens/current",
  operationId: "revokeCurrentToken",
  summary: "Revoke the token making this request",
  description: "What `rotor logout` does. Works for any token.",
  auth: "environment.list",
  params: z.object({}),
  async handler(_call, ctx) {
    await revokeToken(ctx, { manager: managerOf(ctx), tokenId: ctx.caller!.token.id });
    return { status: 204 };
  },
});

export const exchangePasswordRoute = defineApiRoute({
  method: "POST",
  path: "/auth/token",
  operationId: "createPersonalTokenWithPassword",
  summary: "Exchange an email and password for a personal token",
  description: "What `rotor login` does. Local accounts only (single sign-on users create a token in Settings → API tokens). Every attempt is audited.",
  tag: TAG,
  auth: "none",
  body: z.object({
    email: z.string().trim().min(1, "Enter the email").max(320),
    password: z.string().min(1, "Enter the password").max(1024),
    otp: z.string().trim().max(20).optional(),
    name: tokenNameSchema.default("rotor CLI"),
    expiresAt: expiresAtSchema,
  }),
  responses: { 201: { description: "Signed in", schema: createdTokenSchema.extend({ user: userSchema }) } },
  async handler({ body }, ctx) {
    const result = await signInWithPassword({ db: ctx.db, keyring: ctx.keyring, email: body.email, password: body.password, otp: body.otp, ip: ctx.ip });
    if (!result.ok) {
      if (result.reason === "invalid") throw new AppError("auth:invalid-credentials", "Wrong email or password (or the account is disabled).");
      if (result.reason === "second-factor") throw new AppError("auth:otp-required", "This account has two-factor sign-in: send the code from the authenticator app (or a recovery code) as otp.");
      if (result.reason === "wrong-code") throw new AppError("auth:invalid-credentials", signInFailureMessage(result));
      throw new AppError("auth:throttled", signInFailureMessage(result), { retryable: true });
    }
    const user = result.user;
    if (user.mustChangePassword) {
      throw new AppError("auth:forbidden", "An admin reset this account's password: sign in to the dashboard and choose a new one first.");
    }
    const actor = { id: user.id, label: user.email, ip: ctx.ip };
    const created = await createPersonalToken(ctx, { actor, user, name: body.name, expiresAt: body.expiresAt });
    const owner = await getUserById({ db: ctx.db, id: user.id });
    return {
      status: 201,
      body: { token: created.token, tokenInfo: (await tokenViews(ctx, [created.row]))[0], user: { email: owner!.email, role: owner!.role } },
    };
  },
});

export const tokenRoutes = [whoamiRoute, listTokensRoute, createTokenRoute, revokeCurrentTokenRoute, revokeTokenRoute, exchangePasswordRoute];

