/**
 * Splitting a rotator's inputs into what may be stored and shown as-is and what must be encrypted
 * (`secretInputPaths`, dotted paths such as "managing.password"), and collecting secret strings so that
 * error messages can be scrubbed of them.
 */
import { deletePath, getPath, setPath } from "../object-paths";
import { redactSecrets } from "../rotators/errors";

type Json = Record<string, unknown>;

export function splitSecretInputs(inputs: Json, paths: readonly string[]): { publicInputs: Json; secrets: Record<string, unknown> } {
  const publicInputs = structuredClone(inputs);
  const secrets: Record<string, unknown> = {};
  for (const path of paths) {
    const value = getPath(inputs, path);
    if (value !== undefined) secrets[path] = value;
    deletePath(publicInputs, path);
  }
  return { publicInputs, secrets };
}

export function mergeSecretInputs(publicInputs: Json, secrets: Record<string, unknown>): Json {
  const merged = structuredClone(publicInputs);
  for (const [path, value] of Object.entries(secrets)) setPath(merged, path, value);
  return merged;
}

/** Secret inputs that the user left empty in an edit form keep their stored value. */
export function keepUnchangedSecrets(next: Json, stored: Record<string, unknown>, paths: readonly string[]): Json {
  const merged = structuredClone(next);
  for (const path of paths) {
    const value = getPath(next, path);
    if ((value === undefined || value === "") && stored[path] !== undefined) setPath(merged, path, stored[path]);
  }
  return merged;
}

/** Every string leaf of the given values, for scrubbing messages. */
export function secretStrings(...values: unknown[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  values.forEach(walk);
  return out.filter((s) => s.length >= 4);
}

export const MAX_ERROR_LENGTH = 500;

/** Removes every secret (of 4 characters or more, as redactSecrets) from a message and bounds its length,
 *  for storage and display. */
export function scrubMessage(message: string, secrets: readonly string[]): string {
  const out = redactSecrets(message, secrets);
  return out.length > MAX_ERROR_LENGTH ? `${out.slice(0, MAX_ERROR_LENGTH - 1)}…` : out;
}
