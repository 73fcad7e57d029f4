import "server-only";
/** /api/v1/tokens, /whoami and /auth/token: who is calling, and API tokens. */
import { z } from "zod";
import { defineApiRoute, type ApiContext } from "../route";
import { createdTokenSchema, listOf, tokenSchema, userSchema } from "../schemas";
import {
  createPersonalToken,
  createServiceToken,
  environmentIdsByName,
  listTokens,
  revokeToken,
  toTokenView,
} from "../../tokens/tokens";

import { signInWithPassword } from "../../auth/password-sign-in";
import { AppError } from "../../errors";
import { listEnvironmentsWithCounts } from "../../db/queries/environments";
import { getUserById, listUsers } from "../../db/queries/users";
import { TOKEN_SCOPES, type ApiToken } from "../../db/schema";

const TAG = "Tokens";

const tokenName = z.string().trim().min(1, "Give the token a name").max(100, "Use at most 100 characters");
const expiresAt = z.iso.datetime({ offset: true, message: "expiresAt must be an ISO 8601 time, e.g. 2027-01-31T00:00:00Z" }).nullable().optional();

async function viewsOf(ctx: ApiContext, rows: ApiToken[]) {
  const environments = new Map((await listEnvironmentsWithCounts({ db: ctx.db })).map((e) => [e.id, e.name]));
  const owners = new Map((await listUsers({ db: ctx.db })).map((u) => [u.id, u.email]));
  return rows.map((row) => toTokenView(row, environments, row.userId ? (owners.get(row.userId) ?? null) : null));
}

function callerUser(ctx: ApiContext) {
  const user = ctx.caller?.user;
  if (!user) throw new AppError("auth:forbidden", "Only a personal token (a user's own) can do this; service tokens act for no user.");
  return user;
}

export const whoamiRoute = defineApiRoute({
  method: "GET",
  path: "/whoami",
  operationId: "whoami",
  summary: "Show who this token is",
  tag: TAG,
  auth: "environment.list",
  responses: { 200: { description: "The token and, for a personal token, its owner", schema: z.object({ token: tokenSchema, user: userSchema.nullable() }) } },
  async handler(_call, ctx) {
    const [view] = await viewsOf(ctx, [ctx.caller!.token]);
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
    const rows = await listTokens(ctx, { ownerId: ctx.can("token.manage") ? undefined : callerUser(ctx).id });
    return { status: 200, body: { items: await viewsOf(ctx, rows) } };
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
  body: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("personal"), name: tokenName, expiresAt }),
    z.object({
      kind: z.literal("service"),
      name: tokenName,
      scope: z.enum(TOKEN_SCOPES, { message: "scope must be read, rotate or admin" }),
      environments: z.union([z.literal("*"), z.array(z.string().min(1)).min(1, "Name at least one environment, or \"*\" for all")]).default("*"),
      expiresAt,
    }),
  ]),
  responses: { 201: { description: "Created", schema: createdTokenSchema } },
  async handler({ body }, ctx) {
    const expires = body.expiresAt ? new Date(body.expiresAt) : null;
    if (body.kind === "personal") {
      const created = await createPersonalToken(ctx, { actor: ctx.actor, user: callerUser(ctx), name: body.name, expiresAt: expires });
      return { status: 201, body: { token: created.token, tokenInfo: (await viewsOf(ctx, [created.row]))[0] } };
    }
    if (!ctx.can("token.manage")) throw new AppError("auth:forbidden", "Only admins create service tokens.");
    if (ctx.caller?.grant.kind === "service" && ctx.caller.grant.environmentIds !== null) {
      throw new AppError("auth:forbidden", "A token limited to some environments cannot create tokens.");
    }
    const environmentIds = body.environments === "*" ? null : await environmentIdsByName(ctx, body.environments);
    const created = await createServiceToken(ctx, { actor: ctx.actor, name: body.name, scope: body.scope, environmentIds, expiresAt: expires });
    return { status: 201, body: { token: created.token, tokenInfo: (await viewsOf(ctx, [created.row]))[0] } };
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
    const caller = ctx.caller!;
    const tokenId = params.id === "current" ? caller.token.id : params.id;
    await revokeToken(ctx, {
      actor: ctx.actor,
      tokenId,
      mayRevoke: (token) => token.id === caller.token.id || ctx.can("token.manage") || (token.kind === "personal" && token.userId === caller.user?.id),
    });
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
    const caller = ctx.caller!;
    await revokeToken(ctx, { actor: ctx.actor, tokenId: caller.token.id, mayRevoke: () => true });
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
    name: tokenName.default("rotor CLI"),
    expiresAt,
  }),
  responses: { 201: { description: "Signed in", schema: createdTokenSchema.extend({ user: userSchema }) } },
  async handler({ body }, ctx) {
    const user = await signInWithPassword({ db: ctx.db, email: body.email, password: body.password, ip: ctx.ip });
    if (!user) throw new AppError("auth:invalid-credentials", "Wrong email or password (or the account is disabled).");
    const actor = { id: user.id, label: user.email, ip: ctx.ip };
    const created = await createPersonalToken(ctx, { actor, user, name: body.name, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null });
    const owner = await getUserById({ db: ctx.db, id: user.id });
    return {
      status: 201,
      body: { token: created.token, tokenInfo: (await viewsOf(ctx, [created.row]))[0], user: { email: owner!.email, role: owner!.role } },
    };
  },
});

export const tokenRoutes = [whoamiRoute, listTokensRoute, createTokenRoute, revokeCurrentTokenRoute, revokeTokenRoute, exchangePasswordRoute];

