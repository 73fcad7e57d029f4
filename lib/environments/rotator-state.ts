import "server-only";
/**
 * A rotator's encrypted state (its current and previous credential), read and written. It lives here, below
 * lib/rotation, because every revision of an environment snapshots its rotators' state (revisions.ts), and
 * the rotation engine, roll back and the rotator service write it: both layers use this one module.
 *
 * The ciphertext is bound to its rotator (the envelope's context), so state copied to another rotator will
 * not decrypt.
 */
import type { Keyring } from "../crypto/keyring";
import type { RotatorRow } from "../db/schema";
import type { RotatorState } from "../rotators/types";

export const EMPTY_STATE: RotatorState = { current: null, previous: null };

const stateContext = (rotatorId: string) => `rotator:${rotatorId}:state`;

export function loadState(keyring: Keyring, row: Pick<RotatorRow, "id" | "stateCiphertext">): RotatorState {
  return row.stateCiphertext ? JSON.parse(keyring.decrypt(row.stateCiphertext, stateContext(row.id))) : EMPTY_STATE;
}

export function encryptState(keyring: Keyring, rotatorId: string, state: RotatorState): string {
  return keyring.encrypt(JSON.stringify(state), stateContext(rotatorId));
}
