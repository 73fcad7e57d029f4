import "server-only";
/**
 * API tokens: `rtr_` + 256 random bits (base64url). Shown once at creation; only a SHA-256 hash is stored, so
 * the store holds nothing a caller could replay. Every creation and revocation is audited; so is every use of
 * a revoked or expired token.
 *
 *   service  — created by an admin for an application, CI job or deploy tool: a scope (read | rotate | admin)
 *              and the environments it may use (or all), optional expiry.
 *   personal — any signed-in user's own token (what `rotor login` creates): it acts with the owner's current
 *              role, so a role change or a disabled account takes effect on the next request.
 */
import { createHash, randomBytes } from "node:crypto";
import { byActor, type Actor, type AppContext } from "../app-context";
import { AppError } from "../errors";
import type { ApiToken, User } from "../db/schema";
import { getApiTokenByHash, getApiTokenById, insertApiToken, listApiTokens, revokeApiTokenById, touchApiToken } from "../db/queries/tokens";
import { listUsers } from "../db/queries/users";
import { insertAuditEvent, recordAuditEvent } from "../db/queries/audit";
import { getEnvironmentByName, listEnvironmentsWithCounts } from "../db/queries/environments";
import type { Grant, TokenScope } from "./permissions";
import type { NewToken } from "./validation";

export const TOKEN_PREFIX = "rtr_";
const TOKEN_PATTERN = /^rtr_[A-Za-z0-9_-]{43}$/;
/** How often a token's "last used" is written at most. */
const TOUCH_EVERY_MS = 60_000;

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

function newToken(): { token: string; tokenHash: string; prefix: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, tokenHash: hashToken(token), prefix: token.slice(0, TOKEN_PREFIX.length + 8) };
}

export interface TokenView {
  id: string;
  name: string;
  kind: ApiToken["kind"];
  prefix: string;
  scope: TokenScope | null;
  environments: string[] | "*";
  owner: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The token as lists show it; `environmentNames` maps ids to today's names (a deleted one shows its id). */
export function toTokenView(row: ApiToken, environmentNames: ReadonlyMap<string, string>, ownerEmail: string | null = null): TokenView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    prefix: row.prefix,
    scope: row.scope,
    environments: row.kind === "personal" || row.environmentIds === null ? "*" : row.environmentIds.map((id) => environmentNames.get(id) ?? id),
    owner: ownerEmail,
    createdBy: row.createdByLabel,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

function checkExpiry(expiresAt: Date | null | undefined): void {
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    throw new AppError("input:invalid", "The expiry must be in the future.", { fieldErrors: { expiresAt: "Must be in the future" } });
  }
}

/** Environment names → ids; an unknown name is an error naming it. */
export async function environmentIdsByName(app: AppContext, names: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const environment = await getEnvironmentByName({ db: app.db, name });
    if (!environment) throw new AppError("input:invalid", `There is no environment named ${name}.`, { fieldErrors: { environments: `No environment ${name}` } });
    ids.push(environment.id);
  }
  return [...new Set(ids)];
}

/** What a new token row holds besides its secret's hash and prefix and who created it. */
type TokenRecord = Omit<Parameters<typeof insertApiToken>[0]["token"], "tokenHash" | "prefix" | "createdById" | "createdByLabel">;

/**
 * Stores a new token and audits its creation in one transaction; the token itself is in the answer once.
 * `details` gives the audit details of its kind (from the stored row), between its kind and prefix and its expiry.
 */
async function issueToken(
  app: AppContext,
  actor: Actor,
  record: TokenRecord,
  details: (row: ApiToken) => Record<string, unknown>,
): Promise<{ token: string; row: ApiToken }> {
  checkExpiry(record.expiresAt);
  const secret = newToken();
  return app.db.transaction(async (tx) => {
    const row = await insertApiToken({
      db: tx,
      token: { ...record, tokenHash: secret.tokenHash, prefix: secret.prefix, createdById: actor.id, createdByLabel: actor.label },
    });
    await insertAuditEvent({
      tx,
      event: {
        ...byActor(actor),
        action: "token.created",
        targetType: "token",
        targetId: row.id,
        targetLabel: row.name,
        details: { kind: record.kind, prefix: row.prefix, ...details(row), expiresAt: row.expiresAt },
      },
    });
    return { token: secret.token, row };
  });
}

export async function createServiceToken(
  app: AppContext,
  request: { actor: Actor; name: string; scope: TokenScope; environmentIds: string[] | null; expiresAt?: Date | null },
): Promise<{ token: string; row: ApiToken }> {
  return issueToken(
    app,
    request.actor,
    { name: request.name, kind: "service", scope: request.scope, environmentIds: request.environmentIds, expiresAt: request.expiresAt ?? null },
    (row) => ({ scope: row.scope, environmentIds: row.environmentIds }),
  );
}

export async function createPersonalToken(
  app: AppContext,
  request: { actor: Actor; user: Pick<User, "id" | "email">; name: string; expiresAt?: Date | null },
): Promise<{ token: string; row: ApiToken }> {
  return issueToken(
    app,
    request.actor,
    { name: request.name, kind: "personal", userId: request.user.id, expiresAt: request.expiresAt ?? null },
    () => ({ owner: request.user.email }),
  );
}

export interface AuthenticatedToken {
  token: ApiToken;
  /** The owner of a personal token. */
  user: User | null;
  grant: Grant;
  actor: Actor;
}

/**
 * Who is calling, from the bearer token. Throws 401 AppErrors: no or malformed token, unknown, revoked,
 * expired, or a personal token whose owner is disabled or gone.
 */
export async function authenticateToken(app: AppContext, bearer: string | null, ip: string | null): Promise<AuthenticatedToken> {
  if (!bearer) throw new AppError("auth:unauthenticated", "Send an API token: Authorization: Bearer rtr_…");
  if (!TOKEN_PATTERN.test(bearer)) throw new AppError("auth:unauthenticated", "That is not a Rotor API token (they look like rtr_ followed by 43 characters).");
  const found = await getApiTokenByHash({ db: app.db, tokenHash: hashToken(bearer) });
  if (!found) throw new AppError("auth:unauthenticated", "This API token is not known to Rotor.");
  const { token, user } = found;
  const refuse = async (code: "auth:token-revoked" | "auth:token-expired" | "auth:unauthenticated", message: string, reason: string) => {
    await recordAuditEvent({
      db: app.db,
      event: { actorId: user?.id ?? null, actorLabel: `token:${token.name}`, ip, action: "token.refused", outcome: "denied", targetType: "token", targetId: token.id, targetLabel: token.name, details: { reason, prefix: token.prefix } },
    });
    throw new AppError(code, message);
  };
  if (token.revokedAt) await refuse("auth:token-revoked", `The API token ${token.name} was revoked.`, "revoked");
  if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) await refuse("auth:token-expired", `The API token ${token.name} expired at ${token.expiresAt.toISOString()}.`, "expired");
  let grant: Grant;
  let actor: Actor;
  if (token.kind === "personal") {
    if (!user || user.disabledAt) return refuse("auth:unauthenticated", "The owner of this API token can no longer sign in.", "owner disabled");
    // An admin reset the owner's password (it may have been known to someone else): their tokens wait too.
    if (user.mustChangePassword) return refuse("auth:unauthenticated", "The owner of this API token must change their password first (an admin reset it): sign in to the dashboard.", "owner must change password");
    grant = { kind: "personal", role: user.role };
    actor = { id: user.id, label: user.email, ip, token: { id: token.id, name: token.name } };
  } else {
    grant = { kind: "service", scope: token.scope ?? "read", environmentIds: token.environmentIds };
    actor = { id: null, label: `token:${token.name}`, ip, token: { id: token.id, name: token.name } };
  }
  await touchApiToken({ db: app.db, id: token.id, everyMs: TOUCH_EVERY_MS });
  return { token, user, grant, actor };
}

/**
 * Who is managing tokens, as either door sees them: a signed-in user in the dashboard, or the caller of
 * /api/v1/tokens. The rules below are the only place that decides what they may do.
 */
export interface TokenManager {
  actor: Actor;
  /** The person acting (a dashboard user, or a personal token's owner); null for a service token. */
  user: Pick<User, "id" | "email"> | null;
  /** May see and revoke every token and create service tokens (the admin role, or an admin-scope token). */
  admin: boolean;
  /** The token making the request, when it comes through the API. */
  callingToken?: { id: string; limitedToEnvironments: boolean };
}

/** The token as lists show it, with today's environment names and owner emails (looked up only when needed). */
export async function tokenViews(app: AppContext, rows: readonly ApiToken[]): Promise<TokenView[]> {
  const needsEnvironments = rows.some((r) => r.kind === "service" && r.environmentIds !== null);
  const needsOwners = rows.some((r) => r.userId !== null);
  const environments = new Map(needsEnvironments ? (await listEnvironmentsWithCounts({ db: app.db })).map((e) => [e.id, e.name]) : []);
  const owners = new Map(needsOwners ? (await listUsers({ db: app.db })).map((u) => [u.id, u.email]) : []);
  return rows.map((row) => toTokenView(row, environments, row.userId ? (owners.get(row.userId) ?? null) : null));
}

/** Admins see every token; everyone else only their own personal tokens. Newest first. */
export async function listTokens(app: AppContext, manager: TokenManager): Promise<TokenView[]> {
  if (!manager.admin && !manager.user) return [];
  return tokenViews(app, await listApiTokens({ db: app.db, userId: manager.admin ? undefined : manager.user!.id }));
}

/**
 * Creates a token and returns its value (the only time it exists outside the caller's hands) with its view.
 * Personal tokens: any person, for themselves. Service tokens: admins only, and not through a token limited
 * to some environments (it could mint one wider than itself).
 */
export async function createToken(app: AppContext, manager: TokenManager, input: NewToken): Promise<{ token: string; view: TokenView }> {
  let created: { token: string; row: ApiToken };
  if (input.kind === "personal") {
    if (!manager.user) throw new AppError("auth:forbidden", "Only a person has personal tokens: a service token acts for no user.");
    created = await createPersonalToken(app, { actor: manager.actor, user: manager.user, name: input.name, expiresAt: input.expiresAt });
  } else {
    if (!manager.admin) throw new AppError("auth:forbidden", "Only admins create service tokens.");
    if (manager.callingToken?.limitedToEnvironments) throw new AppError("auth:forbidden", "A token limited to some environments cannot create tokens.");
    const environmentIds = input.environments === "*" ? null : await environmentIdsByName(app, input.environments);
    created = await createServiceToken(app, { actor: manager.actor, name: input.name, scope: input.scope, environmentIds, expiresAt: input.expiresAt });
  }
  const [view] = await tokenViews(app, [created.row]);
  return { token: created.token, view };
}

/** A token may always revoke itself; a person their own personal tokens; an admin any token. */
export function mayRevoke(manager: TokenManager, token: ApiToken): boolean {
  return manager.admin || token.id === manager.callingToken?.id || (token.kind === "personal" && token.userId !== null && token.userId === manager.user?.id);
}

/** Revokes a token at once (the next request with it is refused). Revoking a revoked token changes nothing. */
export async function revokeToken(app: AppContext, { manager, tokenId }: { manager: TokenManager; tokenId: string }): Promise<ApiToken> {
  const token = await getApiTokenById({ db: app.db, id: tokenId });
  if (!token || !mayRevoke(manager, token)) throw new AppError("not-found", "There is no such token (or it is not yours to revoke).");
  if (token.revokedAt) return token;
  return app.db.transaction(async (tx) => {
    const revoked = (await revokeApiTokenById({ db: tx, id: token.id })) ?? token;
    await insertAuditEvent({
      tx,
      event: { ...byActor(manager.actor), action: "token.revoked", targetType: "token", targetId: token.id, targetLabel: token.name, details: { kind: token.kind, prefix: token.prefix } },
    });
    return revoked;
  });
}
