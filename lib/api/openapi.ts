import "server-only";
/**
 * The OpenAPI 3.1 document of /api/v1, generated (zod-openapi) from the very route declarations that parse
 * requests, so it describes what the server does. Every operation also lists the problem+json answers the
 * door itself gives (400, 401, 403, 404, 413, 500), and what it needs twice: in words in its description and as
 * data in `x-rotor-access` ({ capability, role of a personal token's owner, scopes of a service token }).
 */
import { createDocument } from "zod-openapi";
import type { z } from "zod";
import { problemSchema, PROBLEM_CONTENT_TYPE } from "./problem";
import type { ApiRoute } from "./route";
import { CAPABILITIES } from "../tokens/permissions";

const STANDARD_PROBLEMS: Record<number, string> = {
  400: "Invalid input: `errors` names each field",
  401: "No token, or an unknown, revoked or expired one",
  403: "The token's scope or role does not allow this, or it may not use this environment",
  404: "Not found",
  413: "The request body is larger than 1 MB",
  500: "Unexpected error (a reference to the server log)",
};

function problem(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } };
}

function operation(route: ApiRoute) {
  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const content: Record<string, { schema: z.ZodType }> = {};
    if (spec.schema) content["application/json"] = { schema: spec.schema };
    for (const [type, schema] of Object.entries(spec.content ?? {})) content[type] = { schema };
    responses[status] = {
      description: spec.description,
      ...(Object.keys(content).length ? { content } : {}),
      ...(spec.headers ? { headers: Object.fromEntries(Object.entries(spec.headers).map(([name, h]) => [name, { description: h.description, schema: { type: "string" } }])) } : {}),
    };
  }
  const standard = route.auth === "none" ? [400, 413, 500] : [400, 401, 403, 404, 413, 500];
  for (const status of standard) if (!(status in responses)) responses[status] = problem(STANDARD_PROBLEMS[status]);
  const rule = route.auth === "none" ? null : CAPABILITIES[route.auth];
  const access = rule ? `\n\nNeeds: personal token of a user with the ${rule.role} role${rule.scopes.length ? `, or a service token with scope ${rule.scopes.join(" or ")}` : ""}.` : "\n\nNo token needed.";
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: `${route.description ?? route.summary}${access}`,
    // The same requirement as data, for renderers (the dashboard's API reference) and scripts.
    "x-rotor-access": rule ? { capability: route.auth, role: rule.role, scopes: [...rule.scopes] } : null,
    tags: [route.tag],
    security: route.auth === "none" ? [] : [{ bearer: [] }],
    requestParams: { ...(route.params ? { path: route.params } : {}), ...(route.query ? { query: route.query } : {}) },
    ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: route.body } } } } : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly ApiRoute[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = operation(route);
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Rotor API",
      version: "1",
      description:
        "Read rotated credentials from applications and scripts, and manage environments, rotators and schedules. " +
        "Authenticate with `Authorization: Bearer rtr_…` (Settings → API tokens, or `rotor login`). Errors are application/problem+json.",
    },
    servers: [{ url: `${serverUrl}/api/v1` }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A Rotor API token (rtr_…)" } } },
    paths: paths as never,
  });
}
