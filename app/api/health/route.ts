/**
 * Health probes, no sign-in needed and nothing secret in the answer:
 *   GET /api/health               liveness: 200 while the process serves requests
 *   GET /api/health?probe=ready   readiness: 200 when the store answers (and migrations ran), else 503
 * Both report the store, the in-process scheduler and which Rotor this is (version, commit); errors are
 * named, never detailed (no connection strings, no driver messages).
 */
import { NextResponse } from "next/server";
import { getStore, pingDb } from "@/lib/db/client";
import { getProcessScheduler } from "@/lib/schedules/server";
import { buildInfo } from "@/lib/build-info";

export const dynamic = "force-dynamic";

const STORE_WAIT_MS = 5_000;

async function storeState(): Promise<"ok" | "unavailable"> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const store = await Promise.race([
      getStore(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), STORE_WAIT_MS))),
    ]);
    await pingDb(store.db);
    return "ok";
  } catch {
    return "unavailable";
  } finally {
    clearTimeout(timer);
  }
}

export async function GET(request: Request) {
  const ready = new URL(request.url).searchParams.get("probe") === "ready";
  const store = await storeState();
  const scheduler = getProcessScheduler();
  const body = {
    status: ready ? (store === "ok" ? "ready" : "not ready") : "alive",
    checks: { store, scheduler: scheduler ? (scheduler.started ? "running" : "stopping") : "off" },
    ...buildInfo(),
  };
  return NextResponse.json(body, { status: ready && store !== "ok" ? 503 : 200, headers: { "cache-control": "no-store" } });
}
