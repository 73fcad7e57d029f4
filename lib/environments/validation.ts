/** Schemas shared by the environment forms and their server actions. */
import { z } from "zod";
import { EXPORT_NAME_MESSAGE, EXPORT_NAME_PATTERN, MAX_EXPORTS, MAX_TEMPLATE_LENGTH } from "./exports";

export const environmentNameSchema = z
  .string()
  .trim()
  .min(1, "Give the environment a name")
  .max(100, "Use at most 100 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "Use letters, digits and . _ - / (starting with a letter or digit)");

export const createEnvironmentSchema = z.object({
  name: environmentNameSchema,
  description: z.string().trim().max(500).default(""),
});

export const renameEnvironmentSchema = z.object({
  environmentId: z.uuid(),
  name: environmentNameSchema,
  description: z.string().trim().max(500).default(""),
});

export const deleteEnvironmentSchema = z.object({
  environmentId: z.uuid(),
  confirmName: z.string().trim().min(1, "Type the environment's name to confirm"),
});

export const valueKeySchema = z
  .string()
  .trim()
  .min(1, "Give the value a key")
  .max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "Keys use letters, digits, _ . - and start with a letter or _");

export const setValueSchema = z.object({
  environmentId: z.uuid(),
  key: valueKeySchema,
  value: z.string().max(10_000),
  secret: z.union([z.literal("on"), z.literal("true"), z.literal("false"), z.literal(""), z.boolean()]).optional().transform((v) => v === true || v === "on" || v === "true"),
});

export const deleteValueSchema = z.object({ environmentId: z.uuid(), key: valueKeySchema });

/**
 * The exported-variables editor: its rows, in order, become the NAME → template map that
 * setEnvironmentExports validates against the environment (unknown rotator, value or field). Errors here are
 * keyed `rows.<index>.name|template`, so the form shows each by its field; blank rows are dropped.
 */
export const setExportsSchema = z
  .object({
    environmentId: z.uuid(),
    rows: z
      .array(z.object({ name: z.string().trim().max(200, "Use at most 200 characters"), template: z.string().max(MAX_TEMPLATE_LENGTH, `Use at most ${MAX_TEMPLATE_LENGTH} characters`) }))
      .max(MAX_EXPORTS, `Export at most ${MAX_EXPORTS} variables`),
  })
  .superRefine(({ rows }, ctx) => {
    const seen = new Set<string>();
    rows.forEach((row, i) => {
      if (!row.name && !row.template) return;
      if (!row.name) ctx.addIssue({ code: "custom", path: ["rows", i, "name"], message: "Give the variable a name" });
      else if (!EXPORT_NAME_PATTERN.test(row.name)) ctx.addIssue({ code: "custom", path: ["rows", i, "name"], message: EXPORT_NAME_MESSAGE });
      else if (seen.has(row.name)) ctx.addIssue({ code: "custom", path: ["rows", i, "name"], message: `${row.name} is already defined above` });
      if (row.name && !row.template) ctx.addIssue({ code: "custom", path: ["rows", i, "template"], message: "Give the variable a value" });
      seen.add(row.name);
    });
  })
  .transform(({ environmentId, rows }) => ({
    environmentId,
    exports: Object.fromEntries(rows.filter((r) => r.name || r.template).map((r) => [r.name, r.template])) as Record<string, string>,
  }));
