/**
 * Reading a request body safely: bounded in size (413 beyond the limit, without reading further), JSON only,
 * and no NUL character anywhere (PostgreSQL cannot store one in text; refusing it here names the field instead
 * of failing deep in the store). The limit and the NUL check are the one mechanism every door uses: the REST
 * API (lib/api/route.ts), the server actions (lib/auth/action.ts) and, for declared sizes, proxy.ts.
 */
import { AppError } from "./errors";

export const MAX_BODY_BYTES = 1024 * 1024;

async function readLimited(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function tooLargeMessage(limit = MAX_BODY_BYTES): string {
  return `The request is larger than ${Math.round(limit / 1024)} KB, the most Rotor accepts. Send less at once (a shorter value, fewer items).`;
}

function tooLarge(limit: number) {
  return new AppError("payload:too-large", tooLargeMessage(limit));
}

/** The message next to a field that holds a NUL character (the same for the API, the forms and the server actions). */
export const NUL_FIELD_MESSAGE = "Must not contain NUL characters";

/** The first path (dotted) at which a key or string value holds a NUL character, if any ("" for the value itself). */
export function findNul(value: unknown, path: string[] = []): string | null {
  if (typeof value === "string") return value.includes("\0") ? path.join(".") : null;
  if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      if (key.includes("\0")) return [...path, key.replace(/\0/g, "\\0")].join(".");
      const found = findNul(child, [...path, key]);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * Refuses input that holds a NUL character anywhere (PostgreSQL cannot store one in text): an input:invalid
 * AppError naming the field, under `prefix` ("query", "path"; none for a body).
 */
export function refuseNul(value: unknown, prefix?: string): void {
  const nul = findNul(value);
  if (nul === null) return;
  const field = [prefix, nul].filter(Boolean).join(".") || "body";
  throw new AppError("input:invalid", `${field} contains a NUL character, which Rotor cannot store.`, { fieldErrors: { [field]: NUL_FIELD_MESSAGE } });
}

export async function readJsonBody(request: Request, limit = MAX_BODY_BYTES): Promise<unknown> {
  const text = await readLimited(request, limit);
  if (text.trim() === "") return undefined;
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new AppError("input:invalid", "Send the body as JSON with Content-Type: application/json.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError("input:invalid", "The request body is not valid JSON.");
  }
  refuseNul(parsed);
  return parsed;
}
