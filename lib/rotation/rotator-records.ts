import "server-only";
/**
 * Reading and writing a rotator's encrypted inputs and a run's pending credential, and what lists may show
 * of a state. Each ciphertext is bound to its row and field (the envelope's context), so a ciphertext copied
 * to another rotator will not decrypt. The encrypted state itself is in lib/environments/rotator-state.ts
 * (environment revisions snapshot it).
 */
import type { Keyring } from "../crypto/keyring";
import type { RotatorRow } from "../db/schema";
import type { Credential, Pending, RotatorState } from "../rotators/types";
import { getRotatorDefinition } from "../rotators/registry";
import { secretKeysOf } from "../rotators/meta";
import { mergeSecretInputs } from "./secret-fields";

export const inputsContext = (rotatorId: string) => `rotator:${rotatorId}:inputs`;
const pendingContext = (runId: string) => `run:${runId}:pending`;

export function decryptSecretInputs(keyring: Keyring, row: Pick<RotatorRow, "id" | "secretInputsCiphertext">): Record<string, unknown> {
  return row.secretInputsCiphertext ? JSON.parse(keyring.decrypt(row.secretInputsCiphertext, inputsContext(row.id))) : {};
}

/** The full inputs (secrets included), validated by the rotator type's schema. */
export function loadInputs(keyring: Keyring, row: RotatorRow): unknown {
  const definition = getRotatorDefinition(row.type);
  const merged = mergeSecretInputs(row.inputs as Record<string, unknown>, decryptSecretInputs(keyring, row));
  return definition.inputsSchema.parse(merged);
}

export function encryptPending(keyring: Keyring, runId: string, pending: Pending): string {
  return keyring.encrypt(JSON.stringify(pending), pendingContext(runId));
}

export function decryptPending(keyring: Keyring, runId: string, ciphertext: string): Pending {
  return JSON.parse(keyring.decrypt(ciphertext, pendingContext(runId)));
}

/** What lists may show about a credential: every non-secret field (a username, an access key id). */
export function publicCredential(type: RotatorRow["type"], credential: Credential | null): Record<string, string> | null {
  if (!credential) return null;
  const secretKeys = new Set(secretKeysOf(getRotatorDefinition(type), credential));
  return Object.fromEntries(Object.entries(credential).filter(([key]) => !secretKeys.has(key)));
}

export function stateSummary(type: RotatorRow["type"], state: RotatorState) {
  return { current: publicCredential(type, state.current), previous: publicCredential(type, state.previous) };
}
