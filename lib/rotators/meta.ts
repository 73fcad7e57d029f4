/**
 * The client-safe registry: what is known about every rotator type without running it (label, form fields,
 * inputs schema, secret paths, how it reaches its target). Pages, the rotator form and the services read a
 * type's facts here, never by comparing type names. The runnable rotators are in ./registry.ts.
 */
import type { RotatorBinding, RotatorMeta, RotatorType } from "./types";
import { ROTATOR_TYPES } from "./types";
import { awsIamMeta } from "./aws-iam/meta";
import { mysqlMeta } from "./mysql/meta";
import { passphraseMeta } from "./passphrase/meta";
import { passwordMeta } from "./password/meta";
import { postgresMeta } from "./postgres/meta";

export const ROTATOR_META: Record<RotatorType, RotatorMeta> = {
  postgres: postgresMeta as RotatorMeta,
  mysql: mysqlMeta as RotatorMeta,
  "aws-iam": awsIamMeta as RotatorMeta,
  password: passwordMeta as RotatorMeta,
  passphrase: passphraseMeta as RotatorMeta,
};

export function rotatorMeta(type: RotatorType): RotatorMeta {
  return ROTATOR_META[type];
}

/** The types that reach their target through this kind of binding, in the order of ROTATOR_TYPES. */
export function typesWithBinding(kind: RotatorBinding["kind"]): RotatorType[] {
  return ROTATOR_TYPES.filter((type) => ROTATOR_META[type].binding.kind === kind);
}
