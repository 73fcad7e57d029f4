/**
 * Prometheus metrics (lib/overview/metrics.ts), for a scraper holding ROTOR_METRICS_TOKEN:
 *   Authorization: Bearer <ROTOR_METRICS_TOKEN>
 * While the token is unset the endpoint refuses every request: metrics name every rotator and environment.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import { env } from "@/lib/env";
import { getAppContext } from "@/lib/app-context";
import { METRICS_CONTENT_TYPE, renderMetrics } from "@/lib/overview/metrics";
import { getProcessScheduler } from "@/lib/schedules/server";
import { logError } from "@/lib/log";

export const dynamic = "force-dynamic";

function sameToken(given: string, expected: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function text(status: number, body: string, headers: Record<string, string> = {}) {
  return new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers } });
}

export async function GET(request: Request) {
  const token = env().metricsToken;
  if (!token) return text(403, "Metrics are disabled: set ROTOR_METRICS_TOKEN and scrape with Authorization: Bearer <token>.");
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "");
  if (!match || !sameToken(match[1].trim(), token)) {
    return text(401, "A valid bearer token (ROTOR_METRICS_TOKEN) is required.", { "www-authenticate": 'Bearer realm="rotor-metrics"' });
  }
  try {
    const body = await renderMetrics(await getAppContext(), { runningHere: getProcessScheduler()?.running });
    return new Response(body, { headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" } });
  } catch (error) {
    logError("metrics failed", error);
    // Prometheus records the failed scrape (up == 0); the body says why to someone reading it by hand.
    return new Response("# HELP rotor_up 1 while this Rotor instance can read its store.\n# TYPE rotor_up gauge\nrotor_up 0\n", {
      status: 503,
      headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" },
    });
  }
}
