/**
 * Replaying a server action as another caller: record the exact POST the browser sends when a user triggers
 * it, then send the same bytes (with substitutions) with another context's cookies — what an attacker who
 * copies an action id can do. The server must check the caller itself.
 */
import type { BrowserContext, Page } from "@playwright/test";

export interface RecordedAction {
  path: string;
  actionId: string;
  contentType: string;
  body: string;
}

/** Runs `trigger` on `page` and returns the server action request it sent. */
export async function recordAction(page: Page, trigger: () => Promise<unknown>): Promise<RecordedAction> {
  const [request] = await Promise.all([page.waitForRequest((r) => r.method() === "POST" && Boolean(r.headers()["next-action"])), trigger()]);
  return {
    path: new URL(request.url()).pathname,
    actionId: request.headers()["next-action"],
    contentType: request.headers()["content-type"],
    body: request.postDataBuffer()!.toString("utf8"),
  };
}

/** Sends the recorded action again from `context` (its cookies, or none), with `replace` applied to the body. */
export async function replayAction(context: BrowserContext, action: RecordedAction, replace: Record<string, string> = {}): Promise<string> {
  let body = action.body;
  for (const [from, to] of Object.entries(replace)) body = body.replaceAll(from, to);
  const response = await context.request.post(action.path, {
    headers: { "Next-Action": action.actionId, "Content-Type": action.contentType, Accept: "text/x-component" },
    data: Buffer.from(body, "utf8"),
    maxRedirects: 0,
  });
  return response.text();
}
