import { z } from "zod";

const optionalText = z.string().trim().max(200).optional().transform((v) => v || undefined);
const optionalDate = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const date = new Date(v);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: "custom", message: `Not a date: ${v}` });
      return z.NEVER;
    }
    return date;
  });

/** Audit filters as they appear in the URL (page and CSV export share them). */
export const auditQuerySchema = z.object({
  actor: optionalText,
  action: optionalText,
  target: optionalText,
  from: optionalDate,
  to: optionalDate,
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

export type AuditQuery = z.infer<typeof auditQuerySchema>;
