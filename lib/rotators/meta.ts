/**
 * The client-safe registry: what is known about every rotator type without running it (label, form fields,
 * inputs schema, secret paths, how it reaches its target). Pages, the rotator form and the services read a
 * type's facts here, never by comparing type names. The runnable rotators are in ./registry.ts.
 */
import type { Credential, RotatorBinding, RotatorMeta, RotatorType } from "./types";
import { ROTATOR_TYPES } from "./types";
import { awsIamMeta } from "./aws-iam/meta";
import { mysqlMeta } from "./mysql/meta";
import { passphraseMeta } from "./passphrase/meta";
import { passwordMeta } from "./password/meta";
import { postgresMeta } from "./postgres/meta";
import { redisMeta } from "./redis/meta";
import { externalMeta } from "./external/meta";

export const ROTATOR_META: Record<RotatorType, RotatorMeta> = {
  postgres: postgresMeta as RotatorMeta,
  mysql: mysqlMeta as RotatorMeta,
  "aws-iam": awsIamMeta as RotatorMeta,
  password: passwordMeta as RotatorMeta,
  passphrase: passphraseMeta as RotatorMeta,
  redis: redisMeta as RotatorMeta,
  external: externalMeta as RotatorMeta,
};

export function rotatorMeta(type: RotatorType): RotatorMeta {
  return ROTATOR_META[type];
}

/** The secret keys of this credential: the type's listed keys, or all of them when every key is secret. */
export function secretKeysOf(meta: Pick<RotatorMeta, "secretCredentialKeys" | "everyCredentialKeySecret">, credential: Credential | null | undefined): string[] {
  if (meta.everyCredentialKeySecret) return credential ? Object.keys(credential) : [];
  return [...meta.secretCredentialKeys];
}

/** What Roll back does for this type (lib/rotation/rollback.ts), as its confirmation says it. */
export function rollbackEffectOf(meta: Pick<RotatorMeta, "rollbackEffect">): string {
  return meta.rollbackEffect ?? "The previous credential becomes current again; the current one becomes previous.";
}

/** The fields a credential of this type has, or null when any field is possible (external: the adapter's). */
export function credentialFieldsOf(meta: Pick<RotatorMeta, "credentialSchema" | "everyCredentialKeySecret">): string[] | null {
  if (meta.everyCredentialKeySecret) return null;
  const shape = (meta.credentialSchema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** The types that reach their target through this kind of binding, in the order of ROTATOR_TYPES. */
export function typesWithBinding(kind: RotatorBinding["kind"]): RotatorType[] {
  return ROTATOR_TYPES.filter((type) => ROTATOR_META[type].binding.kind === kind);
}

/** The form label of an input path of this type (one of its `fields`), if the form shows one. */
export function inputLabel(type: RotatorType, path: string): string | undefined {
  return ROTATOR_META[type].fields.find((field) => field.path === path)?.label;
}

export interface InputIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** A word that can only be a field's path, never prose: it has a dot, a digit or a camelCase hump ("username1"). */
const PATH_LIKE = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/g;
const looksLikePath = (word: string) => /[.\d]|[a-z][A-Z]/.test(word);

/**
 * One message of a type's inputs schema as the form says it: the schemas name fields by their input paths
 * ("managing.password is required", "username2 must be a different user from username1", or within password
 * rules "length must be at least 8"), the form by their labels ("Managing password is required").
 */
export function labelInputMessage(type: RotatorType, path: string, message: string): string {
  const parent = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
  const labelOf = (word: string) => inputLabel(type, word) ?? (parent ? inputLabel(type, `${parent}.${word}`) : undefined);
  let out = message;
  const own = inputLabel(type, path);
  const subject = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(message)?.[0];
  if (own && subject && (subject === path || path.endsWith(`.${subject}`))) out = own + message.slice(subject.length);
  out = out.replace(PATH_LIKE, (word) => (looksLikePath(word) ? (labelOf(word) ?? word) : word));
  return out.charAt(0).toUpperCase() + out.slice(1);
}

/**
 * The issues of a type's inputs schema as the form, the server action and the REST API report them: by input
 * path, worded with the form's labels, and one summary sentence that names the field.
 */
export function describeInputIssues(type: RotatorType, issues: readonly InputIssue[]): { fieldErrors: Record<string, string>; summary: string } {
  const fieldErrors: Record<string, string> = {};
  for (const issue of issues) {
    const path = issue.path.map(String).join(".");
    fieldErrors[path] ??= labelInputMessage(type, path, issue.message);
  }
  const [path, message] = Object.entries(fieldErrors)[0] ?? ["", "The inputs are not valid."];
  const label = inputLabel(type, path);
  return { fieldErrors, summary: label && !message.includes(label) ? `${label}: ${message}` : message };
}
