/**
 * Exported variables: an environment maps variable names to templates, like Pulumi ESC's
 * `environmentVariables`: `DB_PASSWORD = ${app-db.current.password}`, `URL = postgres://${app-db.current.username}@db`.
 *
 * A reference names a path in the environment's document:
 *   values.<key>                          a plain or secret value
 *   <rotator>.current.<field>             a field of a rotator's current credential (username, password, …)
 *   <rotator>.previous.<field>            … of its previous credential
 * `$${` writes a literal `${`. Pure: used by the server (validation at save, resolution at open) and safe to
 * import anywhere.
 */
import { z } from "zod";

export const EXPORT_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_EXPORTS = 200;
export const MAX_TEMPLATE_LENGTH = 4_000;
/** A rotator may not be called this: `values.` references the environment's values. */
export const RESERVED_ROOT = "values";

export type Reference = { kind: "value"; key: string } | { kind: "credential"; rotator: string; which: "current" | "previous"; field: string };

type Part = { text: string } | { ref: Reference; source: string };

export class TemplateError extends Error {}

export function parseReference(path: string): Reference {
  const trimmed = path.trim();
  if (trimmed.startsWith(`${RESERVED_ROOT}.`)) {
    const key = trimmed.slice(RESERVED_ROOT.length + 1);
    if (!key) throw new TemplateError(`\${${path}} names no value: write \${values.<key>}.`);
    return { kind: "value", key };
  }
  const match = /^([A-Za-z_][A-Za-z0-9_-]*)\.(current|previous)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(trimmed);
  if (!match) {
    throw new TemplateError(`\${${path}} is not a reference Rotor knows: use \${values.<key>} or \${<rotator>.current.<field>} (or .previous.).`);
  }
  return { kind: "credential", rotator: match[1], which: match[2] as "current" | "previous", field: match[3] };
}

export function parseTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let text = "";
  for (let i = 0; i < template.length; ) {
    if (template.startsWith("$${", i)) {
      text += "${";
      i += 3;
    } else if (template.startsWith("${", i)) {
      const end = template.indexOf("}", i + 2);
      if (end < 0) throw new TemplateError(`"${template.slice(i, i + 40)}" opens \${ without a closing }.`);
      if (text) parts.push({ text });
      text = "";
      const source = template.slice(i + 2, end);
      parts.push({ ref: parseReference(source), source });
      i = end + 1;
    } else {
      text += template[i];
      i += 1;
    }
  }
  if (text) parts.push({ text });
  return parts;
}

export function referencesOf(template: string): Reference[] {
  return parseTemplate(template).flatMap((p) => ("ref" in p ? [p.ref] : []));
}

/** What an environment holds, to check references against: value keys, and each rotator's credential fields
 *  (null: any field, for types whose credential is whatever the target answers). */
export interface ExportCatalog {
  valueKeys: ReadonlySet<string>;
  rotators: ReadonlyMap<string, readonly string[] | null>;
}

function checkReference(ref: Reference, catalog: ExportCatalog): string | null {
  if (ref.kind === "value") return catalog.valueKeys.has(ref.key) ? null : `there is no value ${ref.key}`;
  const fields = catalog.rotators.get(ref.rotator);
  if (fields === undefined) return `there is no rotator ${ref.rotator}`;
  if (fields === null) return null;
  return fields.includes(ref.field) ? null : `${ref.rotator} credentials have no field ${ref.field} (they have ${fields.join(", ")})`;
}

export const EXPORT_NAME_MESSAGE = "Variable names use letters, digits and _ and do not start with a digit";
export const exportTemplateSchema = z
  .string()
  .min(1, "Give the variable a value")
  .max(MAX_TEMPLATE_LENGTH, `Use at most ${MAX_TEMPLATE_LENGTH} characters`)
  .refine((v) => !v.includes("\0"), "Must not contain NUL characters");

/** NAME → template. A bad name is reported at that name (a zod key schema would only say "Invalid key"). */
export const exportsSchema = z.record(z.string(), exportTemplateSchema).superRefine((exports, ctx) => {
  for (const name of Object.keys(exports)) {
    if (!EXPORT_NAME_PATTERN.test(name)) ctx.addIssue({ code: "custom", path: [name], message: `${name}: ${EXPORT_NAME_MESSAGE}` });
  }
  if (Object.keys(exports).length > MAX_EXPORTS) ctx.addIssue({ code: "custom", path: [], message: `Export at most ${MAX_EXPORTS} variables` });
});

/** Field errors (keyed by variable name) for exports that cannot be parsed or name something that does not exist. */
export function validateExports(exports: Record<string, string>, catalog: ExportCatalog): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [name, template] of Object.entries(exports)) {
    try {
      for (const ref of referencesOf(template)) {
        const problem = checkReference(ref, catalog);
        if (problem) {
          errors[name] = `${name}: ${problem}.`;
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      errors[name] = `${name}: ${error.message}`;
    }
  }
  return errors;
}

/** What the environment page shows about its sources, besides what validation needs (never a value). */
export interface ExportSources extends ExportCatalog {
  secretValueKeys: ReadonlySet<string>;
  rotatorDetails: ReadonlyMap<string, { type: string; hasCurrent: boolean; hasPrevious: boolean }>;
}

export interface ExportExplanation {
  name: string;
  template: string;
  /** Each reference, described: "password of app-db's current credential (postgres)". */
  reads: { source: string; description: string }[];
  /** Why it cannot be resolved now (an unknown reference, a rotator that has not rotated yet); null: it resolves. */
  problem: string | null;
}

function describeReference(ref: Reference, sources: ExportSources): string {
  if (ref.kind === "value") return `value ${ref.key}${sources.secretValueKeys.has(ref.key) ? " (secret)" : ""}`;
  const type = sources.rotatorDetails.get(ref.rotator)?.type;
  return `${ref.field} of ${ref.rotator}'s ${ref.which} credential${type ? ` (${type})` : ""}`;
}

/**
 * What each exported variable reads, and whether it resolves now, as an open of the current revision would
 * find — without touching a value. A credential reference resolves once its rotator has that credential.
 */
export function explainExports(exports: Record<string, string>, sources: ExportSources): ExportExplanation[] {
  return Object.entries(exports).map(([name, template]) => {
    let parts: Part[];
    try {
      parts = parseTemplate(template);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      return { name, template, reads: [], problem: error.message };
    }
    let problem: string | null = null;
    const reads = parts.flatMap((part) => {
      if (!("ref" in part)) return [];
      const ref = part.ref;
      problem ??= checkReference(ref, sources);
      if (!problem && ref.kind === "credential") {
        const details = sources.rotatorDetails.get(ref.rotator);
        const has = ref.which === "current" ? details?.hasCurrent : details?.hasPrevious;
        if (!has) problem = `${ref.rotator} has no ${ref.which} credential yet`;
      }
      return [{ source: part.source.trim(), description: describeReference(ref, sources) }];
    });
    return { name, template, reads, problem };
  });
}

/** Every reference the catalog allows (`values.region`, `app-db.current.password`, …), for suggestions. */
export function referencePaths(catalog: ExportCatalog): string[] {
  const values = [...catalog.valueKeys].map((key) => `${RESERVED_ROOT}.${key}`);
  const credentials = [...catalog.rotators].flatMap(([rotator, fields]) => (["current", "previous"] as const).flatMap((which) => (fields ?? []).map((field) => `${rotator}.${which}.${field}`)));
  return [...credentials, ...values];
}

/** The exports that use a rotator or a value (to refuse deleting or renaming what a consumer reads). */
export function exportsUsing(exports: Record<string, string>, target: { rotator: string } | { value: string }): string[] {
  return Object.entries(exports)
    .filter(([, template]) => {
      try {
        return referencesOf(template).some((ref) =>
          "rotator" in target ? ref.kind === "credential" && ref.rotator === target.rotator : ref.kind === "value" && ref.key === target.value,
        );
      } catch {
        return false;
      }
    })
    .map(([name]) => name);
}

/** The document the references resolve against (the shape of an opened environment). */
export interface ResolvableDocument {
  values: Record<string, string>;
  rotators: Record<string, { current: Record<string, string> | null; previous: Record<string, string> | null }>;
}

/** Resolves every export; what cannot be resolved now (a rotator without a current credential yet) is reported. */
export function resolveExports(exports: Record<string, string>, document: ResolvableDocument): { values: Record<string, string>; errors: Record<string, string> } {
  const values: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const [name, template] of Object.entries(exports)) {
    try {
      values[name] = parseTemplate(template)
        .map((part) => {
          if ("text" in part) return part.text;
          const ref = part.ref;
          if (ref.kind === "value") {
            const value = document.values[ref.key];
            if (value === undefined) throw new TemplateError(`there is no value ${ref.key}`);
            return value;
          }
          const rotator = document.rotators[ref.rotator];
          if (!rotator) throw new TemplateError(`there is no rotator ${ref.rotator}`);
          const credential = rotator[ref.which];
          if (!credential) throw new TemplateError(`${ref.rotator} has no ${ref.which} credential yet`);
          const field = credential[ref.field];
          if (field === undefined) throw new TemplateError(`${ref.rotator}.${ref.which} has no field ${ref.field}`);
          return field;
        })
        .join("");
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      errors[name] = `${name}: ${error.message}`;
    }
  }
  return { values, errors };
}
