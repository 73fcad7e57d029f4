/** The audit log's filters as they appear in the URL, checked once for the page and the CSV export. */
import { z } from "zod";

/** A free-text filter; `label` is the filter form's label, which begins the messages. */
const optionalText = (label: string) =>
  z
    .string()
    .trim()
    .max(200, `${label} must be at most 200 characters`)
    .refine((v) => !v.includes("\0"), `${label} must not contain NUL characters`)
    .optional()
    .transform((v) => v || undefined);
const optionalDate = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    // The page labels times UTC and a datetime-local field sends no zone ("2026-01-31T14:30"): read a time
    // without an offset as UTC, not in the server's own time zone.
    const date = new Date(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v.trim()) ? `${v.trim()}Z` : v.trim());
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: "custom", message: `Not a date: ${v}` });
      return z.NEVER;
    }
    return date;
  });

/** Audit filters as they appear in the URL (page and CSV export share them). */
export const auditQuerySchema = z.object({
  actor: optionalText("Actor"),
  action: optionalText("Action"),
  target: optionalText("Target"),
  from: optionalDate,
  to: optionalDate,
  before: z.coerce.number().int().positive().optional().catch(undefined),
});
