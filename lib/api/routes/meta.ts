import "server-only";
/** GET /api/v1/openapi.json. */
import { z } from "zod";
import { defineApiRoute } from "../route";
import { buildOpenApiDocument } from "../openapi";
import { env } from "../../env";
import { API_ROUTES } from "./index";

let cached: ReturnType<typeof buildOpenApiDocument> | undefined;

/** The document (built once per process): served here and rendered by the dashboard's API reference page. */
export function getOpenApiDocument() {
  cached ??= buildOpenApiDocument([...API_ROUTES, openApiRoute], env().publicUrl);
  return cached;
}

export const openApiRoute = defineApiRoute({
  method: "GET",
  path: "/openapi.json",
  operationId: "getOpenApiDocument",
  summary: "This API's OpenAPI 3.1 document",
  tag: "Meta",
  auth: "none",
  responses: { 200: { description: "The document", schema: z.record(z.string(), z.unknown()) } },
  async handler() {
    return { status: 200, body: getOpenApiDocument(), headers: { "Cache-Control": "public, max-age=60" } };
  },
});
