import "server-only";
/**
 * The REST API's one door, `authorizedApi`'s counterpart of the dashboard's authorizedAction:
 *
 *   bearer token → who (401) → capability of the operation (403, audited) → zod (400 naming fields) → service
 *
 * Each operation is declared once, as an ApiRoute: its method and path, the capability it needs, the zod
 * schemas of its parameters, query and body, and its responses. The same declaration parses requests here and
 * describes the operation in the OpenAPI document (lib/api/openapi.ts), so the two cannot drift apart. Route
 * files in app/api/v1 only bind a declaration to Next.js (lib/api/next.ts).
 */
import type { z } from "zod";
import type { AppContext, Actor } from "../app-context";
import { AppError, toAppError } from "../errors";
import { logError } from "../log";
import { recordAuditEvent } from "../db/queries/audit";
import { authenticateToken, type AuthenticatedToken } from "../tokens/tokens";
import { describeRequirement, grants, reachesEnvironment, type Capability } from "../tokens/permissions";
import { requestIpFrom } from "../auth/request-ip";
import { readJsonBody, refuseNul } from "../request-body";
import { problemResponse } from "./problem";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ApiResponseSpec {
  description: string;
  /** JSON body schema; omit for empty responses. */
  schema?: z.ZodType;
  /** Other content types (text/event-stream, text/plain) described by a schema of the text. */
  content?: Record<string, z.ZodType>;
  headers?: Record<string, { description: string }>;
}

export interface ApiCall<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  request: Request;
}

/** What an operation's handler gets besides its input. */
export interface ApiContext extends AppContext {
  /** Null only on operations that need no token (`auth: "none"`). */
  caller: AuthenticatedToken | null;
  actor: Actor;
  ip: string | null;
  /** Whether the caller has the capability (to shape a response, e.g. filter a list). */
  can(capability: Capability): boolean;
  /** Throws 403 (audited) unless the caller has this further capability (an option that needs more, like showing secrets). */
  require(capability: Capability, what: string): Promise<void>;
  /** Throws 403 unless the caller's token reaches this environment. */
  requireEnvironment(environment: { id: string; name: string }): void;
  /** Whether the caller's token reaches this environment. */
  reaches(environmentId: string): boolean;
}

export type ApiReply = Response | { status: number; body?: unknown; headers?: Record<string, string> };

export interface ApiRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** OpenAPI path under /api/v1, e.g. `/environments/{name}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** The capability an operation needs, or "none" (public: the OpenAPI document, exchanging a password for a token). */
  auth: Capability | "none";
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ApiResponseSpec>;
  handler(call: ApiCall<z.output<P>, z.output<Q>, z.output<B>>, ctx: ApiContext): Promise<ApiReply>;
}

/** Declares an operation (typed: the handler sees the parsed shapes of its own schemas). */
export function defineApiRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType>(route: ApiRoute<P, Q, B>): ApiRoute<P, Q, B> {
  return route;
}

const ANONYMOUS: Actor = { id: null, label: "anonymous" };

function bearerOf(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : "";
}

function fieldErrorsOf(error: z.ZodError, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = [prefix, ...issue.path.map(String)].filter(Boolean).join(".") || "body";
    out[key] ??= issue.message;
  }
  return out;
}

function parsePart<T extends z.ZodType | undefined>(schema: T, value: unknown, where: "path" | "query" | "body"): unknown {
  if (!schema) return value;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const errors = fieldErrorsOf(parsed.error, where === "body" ? "" : where);
    const [field, message] = Object.entries(errors)[0];
    throw new AppError("input:invalid", `${field}: ${message}`, { fieldErrors: errors });
  }
  return parsed.data;
}

function queryObject(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of url.searchParams) out[key] = value;
  return out;
}

function toResponse(reply: ApiReply): Response {
  if (reply instanceof Response) return reply;
  const headers: Record<string, string> = { "Cache-Control": "no-store", ...reply.headers };
  if (reply.body === undefined) return new Response(null, { status: reply.status, headers });
  return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { "Content-Type": "application/json", ...headers } });
}

async function auditDenied(app: AppContext, caller: AuthenticatedToken, route: ApiRoute, why: string) {
  await recordAuditEvent({
    db: app.db,
    event: {
      actorId: caller.actor.id,
      actorLabel: caller.actor.label,
      ip: caller.actor.ip ?? null,
      viaToken: caller.actor.token,
      action: "permission.denied",
      outcome: "denied",
      details: { attempted: route.operationId, why },
    },
  }).catch((error) => logError("could not audit a denied API call", error));
}

/** Runs one API request through the door. Never throws: every failure is a problem+json response. */
export async function handleApiRequest(route: ApiRoute, app: AppContext, request: Request, rawParams: Record<string, string>): Promise<Response> {
  const ip = requestIpFrom(request.headers);
  let caller: AuthenticatedToken | null = null;
  try {
    if (route.auth !== "none") {
      caller = await authenticateToken(app, bearerOf(request), ip);
      if (!grants(caller.grant, route.auth)) {
        const why = `needs ${describeRequirement(caller.grant, route.auth)}`;
        await auditDenied(app, caller, route, why);
        throw new AppError("auth:forbidden", `This token cannot ${route.summary.charAt(0).toLowerCase()}${route.summary.slice(1)}: that ${why}.`);
      }
    }
    const who = caller;
    const ctx: ApiContext = {
      ...app,
      caller: who,
      actor: who?.actor ?? { ...ANONYMOUS, ip },
      ip,
      can: (capability) => Boolean(who && grants(who.grant, capability)),
      reaches: (environmentId) => Boolean(who && reachesEnvironment(who.grant, environmentId)),
      async require(capability, what) {
        if (who && grants(who.grant, capability)) return;
        const why = who ? `needs ${describeRequirement(who.grant, capability)}` : "needs a token";
        if (who) await auditDenied(app, who, route, `${what} ${why}`);
        throw new AppError("auth:forbidden", `This token cannot ${what}: that ${why}.`);
      },
      requireEnvironment(environment) {
        if (who && reachesEnvironment(who.grant, environment.id)) return;
        if (who) void auditDenied(app, who, route, `environment ${environment.name} is not in the token's environments`);
        throw new AppError("auth:forbidden", `This token may not use the environment ${environment.name}.`);
      },
    };
    const url = new URL(request.url);
    const rawQuery = queryObject(url);
    refuseNul(rawParams, "path");
    refuseNul(rawQuery, "query");
    const params = parsePart(route.params, rawParams, "path");
    const query = parsePart(route.query, rawQuery, "query");
    const body = route.body ? parsePart(route.body, (await readJsonBody(request)) ?? {}, "body") : undefined;
    return toResponse(await route.handler({ params, query, body, request } as never, ctx));
  } catch (error) {
    // The one mapping (lib/errors.ts): an AppError or a rotator's own actionable message as it is, anything
    // else logged under a reference that the answer carries.
    const failure = toAppError(error, { context: `API ${route.operationId}` });
    const headers: Record<string, string> = failure.status === 401 ? { "WWW-Authenticate": 'Bearer realm="rotor"' } : {};
    return problemResponse(failure.status, failure.code, failure.message, failure.fieldErrors, headers);
  }
}
