/**
 * One HTTP attempt to deliver a notification: POST the body, signed (Standard Webhooks, ./signature.ts), with a timeout. Redirects are not
 * followed (a redirect is reported as a failure, so a signed body never lands somewhere unexpected). The
 * result carries no URL: some webhook URLs are credentials themselves.
 */
import { webhookHeaders } from "./signature";

export interface SendRequest {
  url: string;
  /** The signing secrets: the current one, and the previous one while a renewal overlaps. */
  secrets: string[];
  /** The event's id (webhook-id): the same on every retry. */
  eventId: string;
  body: string;
  eventType: string;
  deliveryId: string;
  timeoutMs: number;
  now?: () => number;
}

export interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

const USER_AGENT = "Rotor-Webhooks/1";

export async function sendWebhook(request: SendRequest): Promise<SendResult> {
  const timestamp = Math.floor((request.now?.() ?? Date.now()) / 1000);
  try {
    const response = await fetch(request.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(request.timeoutMs),
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "x-rotor-event": request.eventType,
        "x-rotor-delivery": request.deliveryId,
        ...webhookHeaders({ secrets: request.secrets, id: request.eventId, timestamp, body: request.body }),
      },
      body: request.body,
    });
    // Drain the body so the connection can be reused; its content is not kept.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, error: null };
    const reason = response.status >= 300 && response.status < 400 ? "redirects are not followed" : response.statusText || "error";
    return { ok: false, status: response.status, error: `HTTP ${response.status} (${reason})` };
  } catch (error) {
    return { ok: false, status: null, error: describeNetworkError(error, request.url) };
  }
}

function describeNetworkError(error: unknown, url: string): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "No response in time (timeout).";
  const cause = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? "network error";
  // Never echo the URL (it may carry a token in its path or query).
  return `Could not connect: ${String(cause).split(url).join("[url]").slice(0, 200)}`;
}
