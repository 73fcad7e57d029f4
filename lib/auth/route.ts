import "server-only";
/**
 * Session and role check for route handlers: 401 without a session, 403 (audited) without the role; then, as
 * every door does (lib/request-body.ts), a NUL character in the query or the path is refused naming it (400).
 */
import { NextResponse } from "next/server";
import type { Role } from "../env";
import { hasRole } from "./roles";
import { actorFor, auditDenied, getCurrentUser, getPasswordChangeUser } from "./session";
import { getAppContext } from "../app-context";
import { PASSWORD_CHANGE_FIRST, type ActionContext } from "./action";
import { toAppError } from "../errors";
import { refuseNul } from "../request-body";

export function authorizedRoute<P>(
  options: { name: string; role: Role },
  handler: (request: Request, ctx: ActionContext, params: P) => Promise<Response>,
) {
  return async (request: Request, routeContext: { params: Promise<P> }): Promise<Response> => {
    try {
      const user = await getCurrentUser();
      if (!user) {
        if (await getPasswordChangeUser()) return NextResponse.json({ error: PASSWORD_CHANGE_FIRST }, { status: 403 });
        return NextResponse.json({ error: "Sign in first." }, { status: 401 });
      }
      if (!hasRole(user.role, options.role)) {
        await auditDenied(user, options.name, options.role);
        return NextResponse.json({ error: `You need the ${options.role} role to do this.` }, { status: 403 });
      }
      const params = await routeContext.params;
      refuseNul(Object.fromEntries(new URL(request.url).searchParams), "query");
      refuseNul(params, "path");
      const app = await getAppContext();
      return await handler(request, { ...app, user, actor: await actorFor(user) }, params);
    } catch (error) {
      const failure = toAppError(error, { context: `route ${options.name}` });
      return NextResponse.json({ error: failure.message, code: failure.code }, { status: failure.status });
    }
  };
}
