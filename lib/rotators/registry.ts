/**
 * Every runnable rotator, keyed by its type. Typed as a Record over RotatorType (./types.ts) so that adding a
 * type fails the build until it is registered here and in ./meta.ts (its client-safe facts). Server-side only:
 * the rotators carry their drivers.
 */
import type { RotatorDefinition, RotatorType } from "./types";
import { credentialFieldsOf } from "./meta";
import { postgresRotator } from "./postgres";
import { mysqlRotator } from "./mysql";
import { awsIamRotator } from "./aws-iam";
import { passwordRotator } from "./password";
import { passphraseRotator } from "./passphrase";
import { redisRotator } from "./redis";
import { externalRotator } from "./external";

// Inputs differ per type; callers validate with `inputsSchema` before use, so `unknown` inputs are safe here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ROTATORS: Record<RotatorType, RotatorDefinition<any>> = {
  postgres: postgresRotator,
  mysql: mysqlRotator,
  "aws-iam": awsIamRotator,
  password: passwordRotator,
  passphrase: passphraseRotator,
  redis: redisRotator,
  external: externalRotator,
};

export function getRotatorDefinition(type: RotatorType): RotatorDefinition<unknown> {
  return ROTATORS[type] as RotatorDefinition<unknown>;
}

/** The fields of a credential of this type (`username`, `password`; `accessKeyId`, `secretAccessKey`; …), or
 *  null when it may have any (external: whatever the adapter answers). */
export function credentialFields(type: RotatorType): string[] | null {
  return credentialFieldsOf(getRotatorDefinition(type));
}
