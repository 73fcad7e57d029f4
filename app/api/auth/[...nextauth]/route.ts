/**
 * Auth.js's routes (sign-in callbacks, sign-out, session). Auth.js builds its URLs from the Host header in
 * server actions (createActionURL) but from the request URL in these routes, and the standalone server's
 * request URL carries the address it listens on (http://0.0.0.0:3000), not the one the browser used: the
 * OIDC callback would then send a redirect_uri that differs from the sign-in request's, and the code
 * exchange fails. Give the routes the origin the browser used, from the same headers the actions read
 * (trustHost is on: Rotor is meant to run behind a proxy that sets them).
 */
import { NextRequest } from "next/server";
import { handlers } from "@/lib/auth/auth";

function withBrowserOrigin(handler: (request: NextRequest) => Promise<Response>) {
  return (request: NextRequest) => {
    const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
    if (!host) return handler(request);
    const protocol = request.headers.get("x-forwarded-proto") ?? request.nextUrl.protocol.replace(/:$/, "");
    const url = new URL(`${request.nextUrl.pathname}${request.nextUrl.search}`, `${protocol}://${host}`);
    return handler(new NextRequest(url, request));
  };
}

export const GET = withBrowserOrigin(handlers.GET);
export const POST = withBrowserOrigin(handlers.POST);
