import "server-only";
/** /api/v1/import/esc and /api/v1/environments/{name}/esc: Pulumi ESC definitions in and out (lib/esc). */
import { z } from "zod";
import { defineApiRoute } from "../route";
import { environmentNamed } from "../lookup";
import { environmentNameParam } from "../schemas";
import { importEsc } from "../../esc/import";
import { exportEsc } from "../../esc/export";
import { escImportSchema } from "../../esc/validation";
import { AppError } from "../../errors";

const TAG = "Pulumi ESC";

const problemSchema = z
  .object({
    file: z.string(),
    line: z.number().int().nullable(),
    path: z.string(),
    message: z.string(),
    severity: z.enum(["error", "note"]),
  })
  .meta({ id: "EscProblem" });

const previewSchema = z
  .object({
    ok: z.boolean().meta({ description: "No errors: creating would succeed (as of now)" }),
    created: z.boolean(),
    environments: z.array(
      z.object({
        name: z.string(),
        file: z.string(),
        description: z.string(),
        values: z.array(z.object({ key: z.string(), secret: z.boolean(), value: z.string().nullable().meta({ description: "null for secret values" }), copiedFrom: z.string().nullable() })),
        rotators: z.array(
          z.object({
            name: z.string(),
            type: z.string(),
            line: z.number().int(),
            inputs: z.record(z.string(), z.unknown()).meta({ description: "Without secret inputs" }),
            secretInputs: z.array(z.string()),
            state: z.object({ current: z.record(z.string(), z.string()).nullable(), previous: z.record(z.string(), z.string()).nullable() }).meta({ description: "The non-secret fields of the imported credentials" }),
            login: z.string().nullable(),
            connector: z.string().nullable(),
          }),
        ),
        exports: z.record(z.string(), z.string()),
      }),
    ),
    logins: z.array(z.object({ name: z.string(), kind: z.string(), config: z.record(z.string(), z.unknown()), definedIn: z.string() })),
    connectors: z.array(z.object({ name: z.string(), mode: z.string(), functionArn: z.string(), region: z.string(), login: z.string() })),
    problems: z.array(problemSchema).meta({ description: "Errors: while there is one, nothing is created" }),
    notes: z.array(problemSchema).meta({ description: "What Rotor did that the ESC file does not say (values copied, defaults, verification)" }),
  })
  .meta({ id: "EscImportPreview" });

export const importEscRoute = defineApiRoute({
  method: "POST",
  path: "/import/esc",
  operationId: "importEsc",
  summary: "Import Pulumi ESC environment definitions",
  description:
    "Each file becomes an environment (named after the file unless `environment` is given). References between the files are resolved; imported state is verified against its target. With `dryRun` nothing is created and the answer is the preview; otherwise everything is created in one transaction, or nothing (400 with every problem by file:line).",
  tag: TAG,
  auth: "environment.import",
  body: escImportSchema.extend({ dryRun: z.boolean().default(false) }),
  responses: { 200: { description: "The preview (dryRun)", schema: previewSchema }, 201: { description: "Created", schema: previewSchema } },
  async handler({ body }, ctx) {
    if (ctx.caller?.grant.kind === "service" && ctx.caller.grant.environmentIds !== null) {
      throw new AppError("auth:forbidden", "A token limited to some environments cannot import environments.");
    }
    const preview = await importEsc(ctx, { actor: ctx.actor, files: body.files, dryRun: body.dryRun });
    return { status: body.dryRun ? 200 : 201, body: preview };
  },
});

export const exportEscRoute = defineApiRoute({
  method: "GET",
  path: "/environments/{name}/esc",
  operationId: "exportEsc",
  summary: "Export an environment as a Pulumi ESC definition",
  description: "Secret values, secret inputs and state are left out unless `showSecrets=true` (admin only). Every export is audited.",
  tag: TAG,
  auth: "rotator.read",
  params: environmentNameParam,
  query: z.object({ showSecrets: z.enum(["true", "false"]).default("false").transform((v) => v === "true") }),
  responses: { 200: { description: "The definition", schema: z.object({ yaml: z.string(), omitted: z.array(z.string()) }).meta({ id: "EscExport" }) } },
  async handler({ params, query }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    if (query.showSecrets) await ctx.require("environment.export_secrets", "export secrets and state");
    return { status: 200, body: await exportEsc(ctx, { actor: ctx.actor, environment, showSecrets: query.showSecrets }) };
  },
});

export const escRoutes = [importEscRoute, exportEscRoute];
