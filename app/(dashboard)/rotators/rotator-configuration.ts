/**
 * A rotator's configuration as its page shows it: labelled as the form labels it (the type's fields in
 * lib/rotators/<type>/meta.ts), instead of the stored inputs as raw JSON.
 */
import type { RotatorType } from "@/lib/rotators/types";
import { ROTATOR_META } from "@/lib/rotators/meta";
import { getPath } from "@/lib/object-paths";

/** A stored value as text: a list as "a, b", an object (an external rotator's request) as JSON. */
function displayValue(value: unknown): string {
  if (value === undefined || value === null || value === "") return "—";
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join(", ");
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export interface ConfigurationRow {
  path: string;
  /** The form's label, or the input path for a value no form field shows. */
  label: string;
  value: string;
}

/** The leaf paths of a nested object: { tls: { mode } } → ["tls.mode"]. Arrays are leaves. */
function leafPaths(node: unknown, prefix = ""): string[] {
  if (!node || typeof node !== "object" || Array.isArray(node)) return prefix ? [prefix] : [];
  return Object.entries(node).flatMap(([key, value]) => leafPaths(value, prefix ? `${prefix}.${key}` : key));
}

/**
 * A rotator's configuration as the form labels it, for its page: one row per form field that applies (fields
 * hidden by `showIf` and, with a login provider, the static AWS keys are left out), secret paths as "stored
 * encrypted" (their values are not in `inputs`), then any stored value no field shows, named by its path.
 */
export function describeConfiguration(type: RotatorType, inputs: Record<string, unknown>, options: { usesLoginProvider?: boolean } = {}): ConfigurationRow[] {
  const meta = ROTATOR_META[type];
  const binding = meta.binding;
  const omitted = options.usesLoginProvider && binding.kind === "aws-login" ? `${binding.inlineLoginPath}.` : null;
  const valueOf = (path: string) => {
    const stored = getPath(inputs, path);
    return stored === undefined ? meta.fields.find((f) => f.path === path)?.defaultValue : stored;
  };
  const rows: ConfigurationRow[] = [];
  for (const field of meta.fields) {
    if (omitted && field.path.startsWith(omitted)) continue;
    if (field.showIf && !field.showIf.values.includes(String(valueOf(field.showIf.path) ?? ""))) continue;
    const secret = meta.secretInputPaths.includes(field.path);
    const value = valueOf(field.path);
    const shown = secret ? "stored encrypted" : field.kind === "checkbox" ? (value ? "yes" : "no") : displayValue(value);
    rows.push({ path: field.path, label: field.label, value: shown });
  }
  const shownPaths = new Set(meta.fields.map((f) => f.path));
  for (const path of leafPaths(inputs)) {
    if (shownPaths.has(path) || (omitted && path.startsWith(omitted))) continue;
    const value = getPath(inputs, path);
    rows.push({ path, label: path, value: typeof value === "string" ? value : JSON.stringify(value) });
  }
  return rows;
}
