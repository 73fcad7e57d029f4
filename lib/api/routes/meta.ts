import "server-only";
/** GET /api/v1/openapi.json. */
import { z } from "zod";
import { defineApiRoute } from "../route";
import { buildOpenApiDocument } from "../openapi";
import { env } from "../../env";
import { API_ROUTES } from "./index";

let cached: unknown;

export const openApiRoute = defineApiRoute({
  method: "GET",
  path: "/openapi.json",
  operationId: "getOpenApiDocument",
  summary: "This API's OpenAPI 3.1 document",
  tag: "Meta",
  auth: "none",
  responses: { 200: { description: "The document", schema: z.record(z.string(), z.unknown()) } },
  async handler() {
    cached ??= buildOpenApiDocument([...API_ROUTES, openApiRoute], env().publicUrl);
    return { status: 200, body: cached, headers: { "Cache-Control": "public, max-age=60" } };
  },
});
