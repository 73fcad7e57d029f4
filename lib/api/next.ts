import "server-only";
/** Binds API route declarations to Next.js route handlers: `export const GET = nextRoute(listEnvironments);`. */
import { getAppContext } from "../app-context";
import { problemResponse } from "./problem";
import { handleApiRequest, type ApiRoute } from "./route";

type NextContext = { params: Promise<Record<string, string | string[]>> };

export function nextRoute(route: ApiRoute) {
  return async (request: Request, context: NextContext): Promise<Response> => {
    const raw = (await context.params) ?? {};
    // Catch-all segments (environment names may contain "/") arrive as arrays; the API sees them joined.
    const params = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v]));
    let app;
    try {
      app = await getAppContext();
    } catch {
      return problemResponse(503, "internal:unexpected", "Rotor's store is not available right now; try again shortly.");
    }
    return handleApiRequest(route, app, request, params);
  };
}
