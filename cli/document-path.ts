/**
 * `rotor env get <env> <path>`: a path in the opened document, in the namespace that exported variables use
 * (lib/environments/exports.ts): `values.<key>` for plain values, `<rotator>.current|previous.<field>` for rotated
 * credentials (`app-db.current.password`), `<rotator>.<metadata>` (`app-db.rotatedAt`) and prefixes of those.
 */
import { getPath } from "../lib/object-paths";
import type { OpenedEnvironment } from "./api-types";
import { CliError, EXIT } from "./errors";

export function resolveDocumentPath(doc: OpenedEnvironment, path: string): unknown {
  const [head, ...rest] = path.split(".");
  const tail = rest.join(".");
  if (!head) throw new CliError(`"${path}" is not a path: use values.<key> or <rotator>.current.<field>, e.g. app-db.current.password`, EXIT.usage);
  if (head === "values") {
    if (!tail) return doc.values;
    // Value keys may contain dots: the whole rest is the key.
    if (!(tail in doc.values)) throw notFound(path, `${doc.environment} has no value "${tail}"`, Object.keys(doc.values).map((k) => `values.${k}`));
    return doc.values[tail];
  }
  const rotator = doc.rotators[head];
  if (!rotator) {
    const known = [...Object.keys(doc.rotators), "values"];
    throw notFound(path, `${doc.environment} has no rotator "${head}"`, known);
  }
  if (!tail) return rotator;
  const value = getPath(rotator, tail);
  if (value === undefined) {
    const parent = rest.length > 1 ? getPath(rotator, rest.slice(0, -1).join(".")) : rotator;
    const siblings = parent && typeof parent === "object" ? Object.keys(parent).map((k) => [head, ...rest.slice(0, -1), k].join(".")) : [];
    throw notFound(path, `${head} has no "${tail}"`, siblings);
  }
  return value;
}

function notFound(path: string, reason: string, candidates: string[]): CliError {
  const sorted = [...candidates].sort();
  const known = sorted.length ? ` (there is ${sorted.slice(0, 12).join(", ")}${sorted.length > 12 ? ", …" : ""})` : "";
  return new CliError(`Nothing at ${path}: ${reason}${known}.`, EXIT.notFound);
}

/** A scalar prints as itself (so `$(rotor env get …)` is the password); an object or null prints as JSON. */
export function formatValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}
