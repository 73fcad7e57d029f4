/**
 * Requests that declare a body over Rotor's limit (lib/request-body.ts MAX_BODY_BYTES, 1 MB) are answered 413
 * here, with a message a person can act on, before Next reads them: a server action would otherwise fail
 * inside Next's own bodySizeLimit (the same 1 MB) as a 500 that the browser shows as "Something went
 * wrong". Server actions get text/plain, which Next's client turns into the action's error message (the
 * forms show it: components/ui/action-form.ts); everything else gets problem+json like the REST API.
 * The REST API's door (and Next, for server actions) also count the bytes of bodies sent without a length.
 */
import type { NextRequest } from "next/server";
import { MAX_BODY_BYTES, tooLargeMessage } from "./lib/request-body";
import { problemResponse } from "./lib/api/problem";

export function proxy(request: NextRequest): Response | undefined {
  const declared = Number(request.headers.get("content-length"));
  if (!(declared > MAX_BODY_BYTES)) return undefined;
  const message = tooLargeMessage();
  if (request.headers.has("next-action")) return new Response(message, { status: 413, headers: { "Content-Type": "text/plain" } });
  return problemResponse(413, "payload:too-large", message);
}

export const config = {
  // Only requests that declare a body of a million bytes or more reach the proxy at all.
  matcher: [{ source: "/:path*", has: [{ type: "header", key: "content-length", value: "\\d{7,}" }] }],
};
