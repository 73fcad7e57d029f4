/** Anything else under /api/v1: a problem+json 404 (not the dashboard's HTML page), whatever the method. */
import { problemResponse } from "@/lib/api/problem";

export const dynamic = "force-dynamic";

const notFound = (request: Request) =>
  problemResponse(404, "not-found", `There is no API operation ${request.method} ${new URL(request.url).pathname}; see /api/v1/openapi.json.`);

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
