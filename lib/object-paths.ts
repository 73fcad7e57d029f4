/**
 * Reading and writing nested values by dotted path ("managing.password"): how rotator inputs name their
 * fields, in the forms (app/(dashboard)/rotators/rotator-form.tsx) and in the secret/public split (lib/rotation/secret-fields).
 */
type Json = Record<string, unknown>;

export function getPath(source: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Json)[key] : undefined), source);
}

/** Sets the value, creating (or replacing non-object) intermediate objects on the way. */
export function setPath(target: Json, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== "object") node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1]] = value;
}

export function deletePath(target: Json, dotted: string): void {
  const keys = dotted.split(".");
  const parent = keys.length === 1 ? target : getPath(target, keys.slice(0, -1).join("."));
  if (parent && typeof parent === "object") delete (parent as Json)[keys[keys.length - 1]];
}
