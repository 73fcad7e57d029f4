import "server-only";
/**
 * Environment revisions: every change to an environment (a rotation included) snapshots the environment
 * document — plain values, every rotator's current/previous credentials and the exported variables — as one
 * encrypted envelope, and announces the new revision to watchers (after commit).
 */
import type { Tx } from "../db/client";
import type { Keyring } from "../crypto/keyring";
import type { Actor } from "../app-context";
import { bumpEnvironmentRevision, getEnvironmentById, insertEnvironmentRevision, listEnvironmentValues } from "../db/queries/environments";
import { listRotatorsByEnvironment } from "../db/queries/rotators";
import { loadState } from "../rotation/rotator-records";
import type { RotatorState, RotatorType } from "../rotators/types";

/** What a revision holds (decrypted): what `open` serves at that revision. */
export interface EnvironmentDocument {
  values: Record<string, string>;
  rotators: Record<string, { type: RotatorType } & RotatorState>;
  /** Absent in revisions written before exported variables existed. */
  exports?: Record<string, string>;
}

/** The envelope context of a secret value: bound to its environment and key. */
export const valueContext = (environmentId: string, key: string) => `env:${environmentId}:value:${key}`;

export const revisionContext = (environmentId: string, revision: number) => `env:${environmentId}:revision:${revision}`;

export async function buildEnvironmentDocument({ tx, keyring, environmentId }: { tx: Tx; keyring: Keyring; environmentId: string }): Promise<EnvironmentDocument> {
  const values: Record<string, string> = {};
  for (const v of await listEnvironmentValues({ db: tx, environmentId })) {
    values[v.key] = v.secret && v.valueCiphertext ? keyring.decrypt(v.valueCiphertext, valueContext(environmentId, v.key)) : (v.plainValue ?? "");
  }
  const rotated: EnvironmentDocument["rotators"] = {};
  for (const r of await listRotatorsByEnvironment({ db: tx, environmentId })) {
    rotated[r.name] = { type: r.type, ...loadState(keyring, r) };
  }
  const environment = await getEnvironmentById({ db: tx, id: environmentId });
  return { values, rotators: rotated, exports: environment?.exports ?? {} };
}

/** Takes the next revision number (row lock: concurrent changes get distinct, ordered numbers). */
export function reserveRevision({ tx, environmentId }: { tx: Tx; environmentId: string }): Promise<{ before: number; after: number }> {
  return bumpEnvironmentRevision({ tx, id: environmentId });
}

/**
 * Records a new revision in the caller's transaction and returns its number (and the one before). Pass
 * `reserved` when the caller took the number first (to store it with the change it records).
 */
export async function recordRevision({
  tx,
  keyring,
  environmentId,
  reason,
  actor,
  changedRotators = [],
  reserved,
}: {
  tx: Tx;
  keyring: Keyring;
  environmentId: string;
  reason: string;
  actor: Actor;
  /** The rotators whose state or configuration this revision changes (watchers are told their names). */
  changedRotators?: string[];
  reserved?: { before: number; after: number };
}): Promise<{ before: number; after: number }> {
  const numbers = reserved ?? (await reserveRevision({ tx, environmentId }));
  const document = await buildEnvironmentDocument({ tx, keyring, environmentId });
  await insertEnvironmentRevision({
    tx,
    revision: {
      environmentId,
      revision: numbers.after,
      reason,
      actorId: actor.id,
      actorLabel: actor.label,
      documentCiphertext: keyring.encrypt(JSON.stringify(document), revisionContext(environmentId, numbers.after)),
      changedRotators,
    },
  });
  return numbers;
}

export function decryptRevisionDocument(keyring: Keyring, row: { environmentId: string; revision: number; documentCiphertext: string }): EnvironmentDocument {
  return JSON.parse(keyring.decrypt(row.documentCiphertext, revisionContext(row.environmentId, row.revision)));
}
