/** The schema of an ESC import request, shared by the import page's server action (the API declares its own, with OpenAPI metadata). */
import { z } from "zod";
import { environmentNameSchema } from "../environments/validation";

/** An ESC definition is a few KB; this is far beyond any real one. */
export const MAX_ESC_FILE_BYTES = 512 * 1024;

export const escImportSchema = z.object({
  files: z
    .array(
      z.object({
        file: z.string().trim().min(1, "Give the file a name (it names the environment)").max(255),
        content: z.string().min(1, "Paste or upload the definition").max(MAX_ESC_FILE_BYTES, `Larger than ${MAX_ESC_FILE_BYTES / 1024} KB`),
        environment: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), environmentNameSchema.optional()),
      }),
    )
    .min(1, "Give at least one file")
    .max(20, "At most 20 files at once"),
  /** The page previews unless told to create; the API (lib/api/routes/esc.ts) creates unless told to preview. */
  dryRun: z.boolean().default(true),
});
