/**
 * Splitting a rotator's inputs into what may be stored and shown as-is and what must be encrypted
 * (`secretInputPaths`, dotted paths such as "managing.password"), and collecting secret strings so that
 * error messages can be scrubbed of them (scrubMessage, lib/errors.ts).
 */
import { deletePath, getPath, setPath } from "../object-paths";
import { secretKeysOf } from "../rotators/meta";
import type { Credential, RotatorMeta } from "../rotators/types";

type SecretKeyFacts = Pick<RotatorMeta, "secretCredentialKeys" | "everyCredentialKeySecret">;

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

/**
 * The secret fields of credentials (`secretKeysOf` the type: its `secretCredentialKeys`, or every field of an
 * external credential), for scrubbing messages. Only those: a username or an access key id names the
 * credential and must stay readable ("current key AKIA…", not "[redacted]").
 */
export function credentialSecrets(meta: SecretKeyFacts, ...credentials: (Credential | null | undefined)[]): string[] {
  return secretStrings(...credentials.map((credential) => (credential ? secretKeysOf(meta, credential).map((key) => credential[key]) : [])));
}
