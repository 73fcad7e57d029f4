"use server";
import { z } from "zod";
import { authorizedAction } from "@/lib/auth/action";
import { suggestActorLabels, verifyAuditChain } from "@/lib/db/queries/audit";

export const verifyAuditChainAction = authorizedAction(
  { name: "audit.verify", role: "admin", schema: z.object({}) },
  async (_input, { db }) => {
    const result = await verifyAuditChain({ db });
    return result.ok
      ? { ok: true as const, data: result, message: `The audit chain is intact (${result.checked} events checked).` }
      : { ok: false as const, error: `The audit chain is broken at event #${result.firstBrokenId}: ${result.reason}.` };
  },
);

/** The actor filter's typeahead: the filter matches a whole actor label, these complete a partial one. */
export const suggestActorsAction = authorizedAction(
  { name: "audit.suggest_actors", role: "viewer", schema: z.object({ prefix: z.string().max(320, "Actor is too long") }) },
  async ({ prefix }, { db }) => ({ ok: true as const, data: await suggestActorLabels({ db, prefix }) }),
);
