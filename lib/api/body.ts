/**
 * Reading a request body safely: bounded in size (413 beyond the limit, without reading further), JSON only,
 * and no NUL character anywhere (PostgreSQL cannot store one in text; refusing it here names the field instead
 * of failing deep in the store).
 */
import { AppError } from "../errors";

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

function tooLarge(limit: number) {
  return new AppError("payload:too-large", `The request body is larger than ${Math.round(limit / 1024)} KB.`);
}

/** The first path (dotted) at which a key or string value holds a NUL character, if any. */
export function findNul(value: unknown, path: string[] = []): string | null {
  if (typeof value === "string") return value.includes("\0") ? path.join(".") || "body" : null;
  if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      if (key.includes("\0")) return [...path, key.replace(/\0/g, "\\0")].join(".");
      const found = findNul(child, [...path, key]);
      if (found) return found;
    }
  }
  return null;
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
  const nul = findNul(parsed);
  if (nul) throw new AppError("input:invalid", `${nul} contains a NUL character, which Rotor cannot store.`, { fieldErrors: { [nul]: "Must not contain NUL characters" } });
  return parsed;
}
