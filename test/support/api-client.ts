/**
 * Calls REST API operations through the real door (lib/api/route.ts: token → capability → zod → service)
 * against a real test store, with real Request objects. Also seeds the users and tokens API tests need.
 */
import type { AppContext } from "@/lib/app-context";
import { handleApiRequest, type ApiRoute } from "@/lib/api/route";
import { createPersonalToken, createServiceToken } from "@/lib/tokens/tokens";
import { insertUser } from "@/lib/db/queries/users";
import type { Role } from "@/lib/env";
import type { TokenScope } from "@/lib/tokens/permissions";

export interface ApiCallOptions {
  token?: string | null;
  /** Raw Authorization header (to send something that is not a bearer token). */
  authorization?: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Fills `{name}` in an OpenAPI path with the (encoded) parameters. */
export function pathOf(route: ApiRoute, params: Record<string, string> = {}): string {
  return `/api/v1${route.path.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(params[key] ?? `missing-${key}`))}`;
}

export async function callApi(app: AppContext, route: ApiRoute, options: ApiCallOptions = {}): Promise<Response> {
  const url = new URL(`http://rotor.test${pathOf(route, options.params)}`);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const request = new Request(url, { method: route.method, headers, body });
  return handleApiRequest(route, app, request, options.params ?? {});
}

export async function seedUser(app: AppContext, email: string, role: Role) {
  return insertUser({ db: app.db, user: { email, name: "", role, passwordHash: null, authSource: "local" } });
}

export async function personalToken(app: AppContext, email: string, role: Role): Promise<string> {
  const user = await seedUser(app, email, role);
  return (await createPersonalToken(app, { actor: { id: user.id, label: email }, user, name: `${role} laptop` })).token;
}

export async function serviceToken(app: AppContext, name: string, scope: TokenScope, environmentIds: string[] | null, expiresAt?: Date): Promise<{ token: string; id: string }> {
  const { token, row } = await createServiceToken(app, { actor: { id: null, label: "test" }, name, scope, environmentIds, expiresAt });
  return { token, id: row.id };
}
