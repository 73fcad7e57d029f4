import "server-only";
/**
 * Environment revisions: every change to an environment (a rotation included) makes a new revision of the
 * environment document — plain values, every rotator's current/previous credentials and the exported
 * variables — and announces it to watchers (after commit).
 *
 * How a revision is stored: most revisions store only what they changed (a delta: the rotator entries a
 * rotation or a rotator change touched, or the values and exported variables of an environment change); the
 * first revision, every SNAPSHOT_EVERY-th one and the oldest one kept store the whole document (a snapshot).
 * Opening revision N replays the deltas after the newest snapshot at or before N, so it is exact, and a
 * rotation of one rotator in an environment of 500 writes one entry, not 500. Both are encrypted envelopes
 * bound to their environment and revision.
 */
import type { Db, Tx } from "../db/client";
import type { Keyring } from "../crypto/keyring";
import type { Actor, AppContext } from "../app-context";
import { env } from "../env";
import {
  bumpEnvironmentRevision,
  deleteRevisionsBefore,
  getEnvironmentById,
  insertEnvironmentRevision,
  listEnvironmentsWithExtraSnapshots,
  listEnvironmentValues,
  listRevisionChain,
  listRevisionPruneTargets,
  lockEnvironment,
  lockRevisionPage,
  setRevisionStorage,
} from "../db/queries/environments";
import { getRotatorByName, listRotatorsByEnvironment } from "../db/queries/rotators";
import { loadState } from "./rotator-state";
import type { RotatorState, RotatorType } from "../rotators/types";

/** What a revision holds (decrypted): what `open` serves at that revision. */
export interface EnvironmentDocument {
  values: Record<string, string>;
  rotators: Record<string, RotatorEntry>;
  /** Absent in revisions written before exported variables existed. */
  exports?: Record<string, string>;
}

type RotatorEntry = { type: RotatorType } & RotatorState;

/** What one revision changed. A part that is absent did not change; `rotators[name] = null`: removed. */
export interface RevisionDelta {
  rotators?: Record<string, RotatorEntry | null>;
  values?: Record<string, string>;
  exports?: Record<string, string>;
}

/**
 * A snapshot every this many revisions: opening a revision replays at most this many small deltas, and the
 * snapshots add 1/SNAPSHOT_EVERY of a whole document to each revision's cost.
 */
export const SNAPSHOT_EVERY = 100;

/** The envelope context of a secret value: bound to its environment and key. */
export const valueContext = (environmentId: string, key: string) => `env:${environmentId}:value:${key}`;

export const revisionContext = (environmentId: string, revision: number) => `env:${environmentId}:revision:${revision}`;
const deltaContext = (environmentId: string, revision: number) => `env:${environmentId}:revision:${revision}:delta`;

const isSnapshotPosition = (revision: number) => (revision - 1) % SNAPSHOT_EVERY === 0;

async function readValues(tx: Tx | Db, keyring: Keyring, environmentId: string): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const v of await listEnvironmentValues({ db: tx, environmentId })) {
    values[v.key] = v.secret && v.valueCiphertext ? keyring.decrypt(v.valueCiphertext, valueContext(environmentId, v.key)) : (v.plainValue ?? "");
  }
  return values;
}

export async function buildEnvironmentDocument({ tx, keyring, environmentId }: { tx: Tx; keyring: Keyring; environmentId: string }): Promise<EnvironmentDocument> {
  const values = await readValues(tx, keyring, environmentId);
  const rotated: EnvironmentDocument["rotators"] = {};
  for (const r of await listRotatorsByEnvironment({ db: tx, environmentId })) {
    rotated[r.name] = { type: r.type, ...loadState(keyring, r) };
  }
  const environment = await getEnvironmentById({ db: tx, id: environmentId });
  return { values, rotators: rotated, exports: environment?.exports ?? {} };
}

/** The delta of a revision: the named rotators as they are now (null: gone), and values and exports if asked. */
async function buildDelta(
  { tx, keyring, environmentId }: { tx: Tx; keyring: Keyring; environmentId: string },
  { rotators, environment, known = {} }: { rotators: string[]; environment: boolean; known?: Record<string, RotatorEntry> },
): Promise<RevisionDelta> {
  const delta: RevisionDelta = {};
  if (rotators.length > 0) {
    delta.rotators = {};
    for (const name of rotators) {
      if (known[name]) {
        delta.rotators[name] = known[name];
        continue;
      }
      // Names match case-insensitively in the store; the document is keyed by the exact name.
      const row = await getRotatorByName({ db: tx, environmentId, name });
      delta.rotators[name] = row && row.name === name ? { type: row.type, ...loadState(keyring, row) } : null;
    }
  }
  if (environment) {
    delta.values = await readValues(tx, keyring, environmentId);
    delta.exports = (await getEnvironmentById({ db: tx, id: environmentId }))?.exports ?? {};
  }
  return delta;
}

/** Takes the next revision number (row lock: concurrent changes get distinct, ordered numbers). */
export function reserveRevision({ tx, environmentId }: { tx: Tx; environmentId: string }): Promise<{ before: number; after: number }> {
  return bumpEnvironmentRevision({ tx, id: environmentId });
}

/**
 * Records a new revision in the caller's transaction and returns its number (and the one before). Pass
 * `reserved` when the caller took the number first (to store it with the change it records).
 *
 * What is stored follows what the caller says changed: `changedRotators` alone (a rotation, a rotator added,
 * changed, re-imported or removed) stores those rotators' entries; no rotators (a value, the exported
 * variables) stores the values and exported variables; `environmentChanged` with rotators stores both;
 * `snapshot` (a new environment, an import) stores the whole document.
 */
export async function recordRevision({
  tx,
  keyring,
  environmentId,
  reason,
  actor,
  changedRotators = [],
  environmentChanged = false,
  snapshot = false,
  rotatorEntries,
  reserved,
}: {
  tx: Tx;
  keyring: Keyring;
  environmentId: string;
  reason: string;
  actor: Actor;
  /** The rotators whose state or configuration this revision changes (watchers are told their names). */
  changedRotators?: string[];
  /** Values or exported variables changed too (implied when no rotator changed). */
  environmentChanged?: boolean;
  /** Store the whole document. */
  snapshot?: boolean;
  /** Entries of changed rotators the caller has just written (spares reading them back), by name. */
  rotatorEntries?: Record<string, RotatorEntry>;
  reserved?: { before: number; after: number };
}): Promise<{ before: number; after: number }> {
  const numbers = reserved ?? (await reserveRevision({ tx, environmentId }));
  const whole = snapshot || isSnapshotPosition(numbers.after);
  const stored = whole
    ? { documentCiphertext: keyring.encrypt(JSON.stringify(await buildEnvironmentDocument({ tx, keyring, environmentId })), revisionContext(environmentId, numbers.after)) }
    : {
        deltaCiphertext: keyring.encrypt(
          JSON.stringify(await buildDelta({ tx, keyring, environmentId }, { rotators: changedRotators, environment: environmentChanged || changedRotators.length === 0, known: rotatorEntries })),
          deltaContext(environmentId, numbers.after),
        ),
      };
  await insertEnvironmentRevision({
    tx,
    revision: { environmentId, revision: numbers.after, reason, actorId: actor.id, actorLabel: actor.label, changedRotators, ...stored },
  });
  return numbers;
}

/** Applies one revision's delta to the document before it (in place). */
function applyDelta(document: EnvironmentDocument, delta: RevisionDelta): void {
  for (const [name, entry] of Object.entries(delta.rotators ?? {})) {
    if (entry) document.rotators[name] = entry;
    else delete document.rotators[name];
  }
  if (delta.values) document.values = delta.values;
  if (delta.exports) document.exports = delta.exports;
}

interface StoredRevision {
  revision: number;
  documentCiphertext: string | null;
  deltaCiphertext: string | null;
}

/** One stored revision on top of the document before it (undefined before the first snapshot). */
function documentAfter(keyring: Keyring, environmentId: string, before: EnvironmentDocument | undefined, row: StoredRevision): EnvironmentDocument | undefined {
  if (row.documentCiphertext) return JSON.parse(keyring.decrypt(row.documentCiphertext, revisionContext(environmentId, row.revision)));
  if (!before || !row.deltaCiphertext) return undefined;
  applyDelta(before, JSON.parse(keyring.decrypt(row.deltaCiphertext, deltaContext(environmentId, row.revision))));
  return before;
}

/** The document exactly as it stood at `revision`; undefined when the environment has no such revision. */
export async function loadRevisionDocument({ db, keyring, environmentId, revision }: { db: Db | Tx; keyring: Keyring; environmentId: string; revision: number }): Promise<EnvironmentDocument | undefined> {
  const chain = await listRevisionChain({ db, environmentId, revision });
  if (chain.at(-1)?.revision !== revision) return undefined;
  let document: EnvironmentDocument | undefined;
  for (const row of chain) document = documentAfter(keyring, environmentId, document, row);
  return document;
}

/** What changed from one document to the next; null when a delta cannot say it (exports went missing). */
export function diffDocuments(before: EnvironmentDocument, after: EnvironmentDocument): RevisionDelta | null {
  if (before.exports !== undefined && after.exports === undefined) return null;
  const delta: RevisionDelta = {};
  const rotators: Record<string, RotatorEntry | null> = {};
  for (const [name, entry] of Object.entries(after.rotators)) {
    if (JSON.stringify(before.rotators[name]) !== JSON.stringify(entry)) rotators[name] = entry;
  }
  for (const name of Object.keys(before.rotators)) if (!(name in after.rotators)) rotators[name] = null;
  if (Object.keys(rotators).length > 0) delta.rotators = rotators;
  if (JSON.stringify(before.values) !== JSON.stringify(after.values)) delta.values = after.values;
  if (after.exports !== undefined && JSON.stringify(before.exports) !== JSON.stringify(after.exports)) delta.exports = after.exports;
  return delta;
}

/**
 * Revisions written before deltas existed are whole snapshots: converts those that are not at a snapshot
 * position into the delta from the revision before, oldest first, a page per transaction. Exact by
 * construction (each delta is the difference of two decrypted documents); idempotent and safe to run in
 * several instances at once (they write the same content). Returns how many revisions were converted.
 */
export async function compactRevisionSnapshots({ db, keyring, pageSize = 200 }: { db: Db; keyring: Keyring; pageSize?: number }): Promise<number> {
  let converted = 0;
  for (const environmentId of await listEnvironmentsWithExtraSnapshots({ db, every: SNAPSHOT_EVERY })) {
    let previous: EnvironmentDocument | undefined;
    let after = 0;
    for (;;) {
      const page = await db.transaction(async (tx) => {
        const rows = await lockRevisionPage({ tx, environmentId, after, limit: pageSize });
        for (const row of rows) {
          const before = previous ? (JSON.parse(JSON.stringify(previous)) as EnvironmentDocument) : undefined;
          const document = documentAfter(keyring, environmentId, previous, row);
          if (row.documentCiphertext && before && document && !isSnapshotPosition(row.revision)) {
            const delta = diffDocuments(before, document);
            if (delta) {
              const deltaCiphertext = keyring.encrypt(JSON.stringify(delta), deltaContext(environmentId, row.revision));
              await setRevisionStorage({ db: tx, environmentId, revision: row.revision, stored: { deltaCiphertext } });
              converted += 1;
            }
          }
          previous = document;
        }
        return rows;
      });
      if (page.length < pageSize) break;
      after = page.at(-1)!.revision;
    }
  }
  return converted;
}

/**
 * Retention: removes an environment's revisions older than `days`, keeping the current one whatever its
 * age. The oldest revision kept becomes a snapshot first (in the same transaction), so every kept revision
 * still opens exactly. Returns how many revisions were removed.
 */
export async function pruneRevisions({ db, keyring, days, now = new Date() }: { db: Db; keyring: Keyring; days: number; now?: Date }): Promise<number> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  let removed = 0;
  for (const { environmentId, keep } of await listRevisionPruneTargets({ db, cutoff })) {
    removed += await db.transaction(async (tx) => {
      await lockEnvironment({ tx, id: environmentId });
      const document = await loadRevisionDocument({ db: tx, keyring, environmentId, revision: keep });
      if (!document) return 0;
      const documentCiphertext = keyring.encrypt(JSON.stringify(document), revisionContext(environmentId, keep));
      await setRevisionStorage({ db: tx, environmentId, revision: keep, stored: { documentCiphertext } });
      return deleteRevisionsBefore({ tx, environmentId, revision: keep });
    });
  }
  return removed;
}

/** The scheduler's hourly sweep: prunes by ROTOR_REVISION_RETENTION_DAYS (0, the default, keeps everything). */
export async function pruneRevisionHistory(app: AppContext): Promise<number> {
  const days = env().revisionRetentionDays;
  return days > 0 ? pruneRevisions({ db: app.db, keyring: app.keyring, days }) : 0;
}
