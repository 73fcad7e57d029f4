/**
 * Which keys a rotation may remove, decided from what IAM lists, Rotor's state and the write-ahead record.
 * Pure, so the rules that protect users' keys are tested directly.
 *
 * The rules (README, "How a rotation works"; the crash-safety notes in ./rotator.ts):
 * 1. `state.current` is never removed, whatever else says so: consumers are using it.
 * 2. `state.previous` is removed (it is the key Rotor was given or issued two rotations ago) — only that one,
 *    only if it still exists, and only if it is not also current.
 * 3. A key that this rotation itself created but whose secret was lost (crash or dropped connection between
 *    CreateAccessKey and the checkpoint) is an orphan: nobody can ever use it, and it occupies one of the two
 *    slots. It is recognised by ALL of: a create attempt is recorded (apply checkpoints the attempt time and
 *    the key ids just before calling CreateAccessKey, and drops the entry when AWS answers with a refusal),
 *    the key is not in state, not the recorded pending key, absent from that attempt's snapshot, and created
 *    within a window around that attempt. Attempts are kept as a list because a key from an earlier
 *    attempt may not be listed yet when the next one runs (IAM is eventually consistent).
 * 4. A key marked (user tag, key-tags.ts) as issued by THIS rotator that is neither current nor previous is
 *    a leftover of one of its own runs that never committed (interrupted and not resumed, or not cleaned up
 *    by `abandon`): consumers never saw it, so it is removed rather than blocking rotations forever. Needs
 *    `context.rotatorId`; marks of other rotators or without an id authorise nothing.
 * 5. Anything else is someone else's key and is never touched. If after 1–4 two keys remain, the rotation
 *    stops with target:limit-exceeded before deleting anything.
 */
import { z } from "zod";
import { RotatorError } from "../errors";
import type { RotatorState } from "../types";
import type { KeyMark } from "./key-tags";

export interface IamKey {
  accessKeyId: string;
  status: string;
  createDate?: Date;
}

/** AWS allows two access keys per IAM user ("Access keys per user: 2" in the IAM quotas). */
export const MAX_KEYS_PER_USER = 2;

/**
 * Tolerance for the difference between Rotor's clock (create attempt) and IAM's (CreateDate, whole seconds),
 * before and after the attempt. The snapshot is the primary test; the window only keeps a key someone else
 * creates much later from being taken for an orphan.
 */
export const ORPHAN_WINDOW_BEFORE_MS = 5 * 60_000;
export const ORPHAN_WINDOW_AFTER_MS = 15 * 60_000;

/** `pending.data` of an aws-iam rotation. JSON only: the engine stores it encrypted. */
export const pendingDataSchema = z.object({
  v: z.literal(1),
  /** The IAM user name (resolved from an ARN if one was given). */
  userName: z.string(),
  /** When prepare ran (Rotor's clock, ISO). */
  plannedAt: z.string(),
  /** Key ids that existed at prepare. */
  keysBefore: z.array(z.string()),
  /** The previous key this rotation removes, if any (for the run's record; apply re-derives it from state). */
  deleteKeyId: z.string().nullable(),
  /**
   * Create attempts whose outcome is unknown, each checkpointed right BEFORE CreateAccessKey: a key may have
   * been created after `at` that is not in `keysBefore`. An entry is removed again when AWS answered the
   * create with an error (then it certainly created nothing). The last MAX_CREATE_ATTEMPTS are kept.
   */
  createAttempts: z.array(z.object({ at: z.string(), keysBefore: z.array(z.string()) })).optional(),
});
export type CreateAttempt = NonNullable<PendingData["createAttempts"]>[number];
export const MAX_CREATE_ATTEMPTS = 5;
export type PendingData = z.output<typeof pendingDataSchema>;

export function parsePendingData(data: unknown): PendingData {
  const parsed = pendingDataSchema.safeParse(data);
  if (!parsed.success) {
    throw new RotatorError(
      "internal:unexpected",
      "The pending rotation record is not an aws-iam record (or is from an incompatible version); abandon it and rotate again.",
    );
  }
  return parsed.data;
}

export interface KeyPlan {
  /** Keys this rotation created and lost (rule 3): deactivate and delete. */
  orphans: IamKey[];
  /** This rotator's keys from runs that never committed (rule 4): deactivate and delete. */
  leftovers: IamKey[];
  /** state.previous, if it still exists (rule 2): deactivate and delete. */
  deletePrevious: IamKey | null;
  /** Keys that stay. */
  remaining: IamKey[];
}

export function planKeyChanges(args: {
  keys: readonly IamKey[];
  state: RotatorState;
  /** The pending record; null at prepare time (nothing created yet, so no orphans). */
  data: PendingData | null;
  /** The key recorded in pending.credential, if any: never an orphan or leftover. */
  pendingKeyId?: string | null;
  /** Key ids marked as issued by this rotator (key-tags.ts `keysMarkedBy`). */
  markedByThisRotator?: ReadonlySet<string>;
}): KeyPlan {
  const currentId = args.state.current?.accessKeyId;
  const previousId = args.state.previous?.accessKeyId;
  const protectedIds = new Set([currentId, previousId, args.pendingKeyId].filter((id): id is string => !!id));

  const orphans = args.data ? args.keys.filter((k) => isOrphan(k, args.data!, protectedIds)) : [];
  const marked = args.markedByThisRotator ?? new Set<string>();
  const leftovers = args.keys.filter(
    (k) => marked.has(k.accessKeyId) && !protectedIds.has(k.accessKeyId) && !orphans.includes(k),
  );
  const deletePrevious =
    previousId && previousId !== currentId ? (args.keys.find((k) => k.accessKeyId === previousId) ?? null) : null;
  const removed = new Set([...orphans, ...leftovers, ...(deletePrevious ? [deletePrevious] : [])].map((k) => k.accessKeyId));
  // Rule 1, stated once more where it matters: whatever the record says, current stays.
  if (currentId) removed.delete(currentId);
  return {
    orphans: orphans.filter((k) => k.accessKeyId !== currentId),
    leftovers: leftovers.filter((k) => k.accessKeyId !== currentId),
    deletePrevious: deletePrevious && deletePrevious.accessKeyId !== currentId ? deletePrevious : null,
    remaining: args.keys.filter((k) => !removed.has(k.accessKeyId)),
  };
}

function isOrphan(key: IamKey, data: PendingData, protectedIds: ReadonlySet<string>): boolean {
  if (protectedIds.has(key.accessKeyId)) return false;
  // No recorded create attempt means this run never called CreateAccessKey (apply checkpoints the attempt
  // first), so it cannot have made an orphan; a new key is then someone else's. (Using prepare's time and
  // snapshot here would take a key an operator added between prepare and apply for ours.)
  return (data.createAttempts ?? []).some((attempt) => createdBy(key, attempt));
}

function createdBy(key: IamKey, attempt: CreateAttempt): boolean {
  if (attempt.keysBefore.includes(key.accessKeyId)) return false;
  const anchor = Date.parse(attempt.at);
  const created = key.createDate?.getTime();
  if (!Number.isFinite(anchor) || created === undefined || !Number.isFinite(created)) return false;
  return created >= anchor - ORPHAN_WINDOW_BEFORE_MS && created <= anchor + ORPHAN_WINDOW_AFTER_MS;
}

function markNote(mark: KeyMark | undefined): string | null {
  if (!mark) return null;
  return mark.rotatorId
    ? `issued by Rotor rotator ${mark.rotatorId}, not this one`
    : "tagged as Rotor-issued but not in this rotator's state";
}

/**
 * The refusal when no slot can be freed. Names the keys (ids are not secret) and says what to do, and marks
 * keys that carry Rotor's ownership tag but are not in this rotator's state (e.g. another rotator's keys).
 */
export function limitExceededError(args: {
  userName: string;
  remaining: readonly IamKey[];
  state: RotatorState;
  rotorTagged: ReadonlyMap<string, KeyMark>;
}): RotatorError {
  const currentId = args.state.current?.accessKeyId;
  const describe = (k: IamKey) => {
    const notes = [
      k.status !== "Active" ? k.status.toLowerCase() : null,
      markNote(args.rotorTagged.get(k.accessKeyId)),
    ].filter(Boolean);
    return notes.length ? `${k.accessKeyId} (${notes.join(", ")})` : k.accessKeyId;
  };
  const unmanaged = args.remaining.filter((k) => k.accessKeyId !== currentId);
  const hasCurrent = unmanaged.length < args.remaining.length;
  const list = unmanaged.map(describe).join(", ");
  const message = hasCurrent
    ? `IAM user ${args.userName} already has ${args.remaining.length} access keys: this rotator's current key ${currentId} and ${list}, which Rotor does not manage. ` +
      `Delete ${unmanaged.length === 1 ? "that key" : "those keys"} (or import ${unmanaged.length === 1 ? "it" : "one"} as this rotator's previous credential), then rotate again. Rotor never deletes keys it did not issue.`
    : `IAM user ${args.userName} already has ${args.remaining.length} access keys that Rotor does not manage: ${list}. ` +
      `Delete or import one of them (as this rotator's current or previous credential), then rotate again. Rotor never deletes keys it did not issue.`;
  return new RotatorError("target:limit-exceeded", message);
}
