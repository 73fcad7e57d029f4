/**
 * API errors as `application/problem+json` (RFC 9457): `type` about:blank with the HTTP status's title, a
 * `detail` written for the person who reads it, the stable `code` (AppError's `surface:reason`) and, for
 * input errors, `errors` naming each field.
 */
import { STATUS_CODES } from "node:http";
import { z } from "zod";

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: "Stable error code, e.g. auth:forbidden, input:invalid, not-found" }),
    errors: z.record(z.string(), z.string()).optional().meta({ description: "Field errors: field path → message" }),
  })
  .meta({ id: "Problem" });

export type Problem = z.infer<typeof problemSchema>;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemResponse(status: number, code: string, detail: string, errors?: Record<string, string>, headers: Record<string, string> = {}): Response {
  const body: Problem = { type: "about:blank", title: STATUS_CODES[status] ?? "Error", status, detail, code, ...(errors && Object.keys(errors).length ? { errors } : {}) };
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": PROBLEM_CONTENT_TYPE, "Cache-Control": "no-store", ...headers } });
}
