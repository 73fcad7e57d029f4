"use server";
import { revalidatePath } from "next/cache";
import { authorizedAction } from "@/lib/auth/action";
import { escImportSchema } from "@/lib/esc/validation";
import { importEsc } from "@/lib/esc/import";

/** Preview (dryRun) or create; admin only, like the API's environment.import capability. */
export const importEscAction = authorizedAction({ name: "environment.import", role: "admin", schema: escImportSchema }, async (input, ctx) => {
  const preview = await importEsc(ctx, { actor: ctx.actor, files: input.files, dryRun: input.dryRun });
  if (preview.created) revalidatePath("/environments");
  // Wrapped: the preview has an `ok` of its own, which authorizedAction would take for an ActionResult's.
  return { ok: true as const, data: preview };
});
