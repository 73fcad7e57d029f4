/**
 * From form values to inputs and back. Each rotator type lists its form fields (dotted input paths) in its
 * meta (lib/rotators/<type>/meta.ts); the form builds the inputs object from them and validates it with the
 * type's own schema.
 */
import type { FieldSpec } from "@/lib/rotators/types";
import { getPath, setPath } from "@/lib/object-paths";

/** Turns the flat form values into the inputs object the schema expects. Empty fields are left out. */
export function buildInputs(fields: readonly FieldSpec[], values: Record<string, string | boolean>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.showIf && !field.showIf.values.includes(String(values[field.showIf.path] ?? ""))) continue;
    const raw = values[field.path];
    if (field.kind === "checkbox") {
      setPath(inputs, field.path, Boolean(raw));
      continue;
    }
    if (raw === undefined || raw === "") continue;
    setPath(inputs, field.path, field.kind === "number" ? Number(raw) : raw);
  }
  return inputs;
}

export function initialValues(fields: readonly FieldSpec[], inputs?: Record<string, unknown>): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const field of fields) {
    const stored = inputs ? getPath(inputs, field.path) : undefined;
    if (stored !== undefined && stored !== null) values[field.path] = formValue(stored);
    else if (field.defaultValue !== undefined) values[field.path] = field.defaultValue;
  }
  return values;
}

/** A stored input as its field shows it: lists comma-separated, objects as JSON text (the schemas parse both back). */
function formValue(stored: unknown): string | boolean {
  if (typeof stored === "boolean") return stored;
  if (Array.isArray(stored) && stored.every((item) => typeof item !== "object")) return stored.join(", ");
  if (typeof stored === "object") return JSON.stringify(stored, null, 2);
  return String(stored);
}
