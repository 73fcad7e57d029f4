/** The rotation history page's filters and cursor, read from the URL (an unreadable filter is ignored, not an error). */
import { z } from "zod";
import { ROTATOR_TYPES } from "../rotators/types";
import { RUN_STATUSES, RUN_TRIGGERS } from "../db/vocabulary";

const uuidOrUndefined = z.uuid().optional().catch(undefined);

/** History filters and cursor as they appear in the URL. */
export const historyQuerySchema = z.object({
  environment: uuidOrUndefined,
  rotator: uuidOrUndefined,
  type: z.enum(ROTATOR_TYPES).optional().catch(undefined),
  status: z.enum(RUN_STATUSES).optional().catch(undefined),
  trigger: z.enum(RUN_TRIGGERS).optional().catch(undefined),
  /** Cursor: `<startedAt ISO>_<run id>` of the last run on the previous page. */
  after: z
    .string()
    .regex(/^[0-9TZ:.+-]+_[0-9a-f-]{36}$/)
    .optional()
    .catch(undefined)
    .transform((v) => (v ? { startedAt: new Date(v.split("_")[0]), id: v.split("_")[1] } : undefined)),
});
