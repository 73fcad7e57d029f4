"use server";
import { z } from "zod";
import { authorizedAction } from "@/lib/auth/action";
import { suggestActorLabels } from "@/lib/db/queries/audit";
import { verifyAudit } from "@/lib/audit/verify";

export const verifyAuditChainAction = authorizedAction(
  { name: "audit.verify", role: "admin", schema: z.object({}) },
  async (_input, { db }) => {
    // The chain in itself, and against the newest checkpoint (so deleted newest events are reported too).
    const result = await verifyAudit({ db });
    return result.ok ? { ok: true as const, data: result, message: result.message } : { ok: false as const, error: result.message };
  },
);

/** The actor filter's typeahead: the filter matches a whole actor label, these complete a partial one. */
export const suggestActorsAction = authorizedAction(
  { name: "audit.suggest_actors", role: "viewer", schema: z.object({ prefix: z.string().max(320, "Actor is too long") }) },
  async ({ prefix }, { db }) => ({ ok: true as const, data: await suggestActorLabels({ db, prefix }) }),
);
