import "server-only";
import { headers } from "next/headers";

/** The client address as the nearest proxy reports it; informational only (audit), never used for access. */
export function requestIpFrom(h: Headers): string | null {
  return h.get("x-forwarded-for")?.split(",")[0]?.trim() || h.get("x-real-ip") || null;
}

/** The same, for server components and actions (which have no Request object). */
export async function requestIp(): Promise<string | null> {
  try {
    return requestIpFrom(await headers());
  } catch {
    return null;
  }
}
