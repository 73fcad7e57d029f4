import "server-only";
import { headers } from "next/headers";

/** The client address as the nearest proxy reports it; informational only (audit), never used for access. */
export async function requestIp(): Promise<string | null> {
  try {
    const h = await headers();
    return h.get("x-forwarded-for")?.split(",")[0]?.trim() || h.get("x-real-ip") || null;
  } catch {
    return null;
  }
}
