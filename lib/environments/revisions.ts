import "server-only";
/**
 * Environment revisions: every change to an environment (a rotation included) snapshots the environment
 * document — plain values and every rotator's current/previous credentials — as one encrypted envelope.
 */
import type { Tx } from "../db/client";
import type { Keyring } from "../crypto/keyring";
import type { Actor } from "../app-context";
import { bumpEnvironmentRevision, insertEnvironmentRevision, listEnvironmentValues } from "../db/queries/environments";
import { listRotatorsByEnvironment } from "../db/queries/rotators";
import { loadState } from "../rotation/rotator-records";

export async function buildEnvironmentDocument({ tx, keyring, environmentId }: { tx: Tx; keyring: Keyring; environmentId: string }) {
  const values: Record<string, string> = {};
  for (const v of await listEnvironmentValues({ db: tx, environmentId })) {
    values[v.key] = v.secret && v.valueCiphertext ? keyring.decrypt(v.valueCiphertext, `env:${environmentId}:value:${v.key}`) : (v.plainValue ?? "");
  }
  const rotated: Record<string, unknown> = {};
  for (const r of await listRotatorsByEnvironment({ db: tx, environmentId })) {
    rotated[r.name] = { type: r.type, ...loadState(keyring, r) };
  }
  return { values, rotators: rotated };
}

/** Records a new revision in the caller's transaction and returns its number (and the one before). */
export async function recordRevision({
  tx,
  keyring,
  environmentId,
  reason,
  actor,
}: {
  tx: Tx;
  keyring: Keyring;
  environmentId: string;
  reason: string;
  actor: Actor;
}): Promise<{ before: number; after: number }> {
  const numbers = await bumpEnvironmentRevision({ tx, id: environmentId });
  const document = await buildEnvironmentDocument({ tx, keyring, environmentId });
  await insertEnvironmentRevision({
    tx,
    revision: {
      environmentId,
      revision: numbers.after,
      reason,
      actorId: actor.id,
      actorLabel: actor.label,
      documentCiphertext: keyring.encrypt(JSON.stringify(document), `env:${environmentId}:revision:${numbers.after}`),
    },
  });
  return numbers;
}
