/**
 * Which keys a rotation may remove, decided from what IAM lists, Rotor's state and the write-ahead record.
 * Pure, so the rules that protect users' keys are tested directly.
 *
 * The rules (README, "How a rotation works"; the crash-safety notes in ./rotator.ts):
 * 1. `state.current` is never removed, whatever else says so: consumers are using it.
 * 2. `state.previous` is removed (it is the key Rotor was given or issued two rotations ago) — only that one,
 *    only if it still exists, and only if it is not also current.
 * 3. A key is Rotor's only if Rotor can prove it: its id was recorded (the pending credential, checkpointed
 *    right after CreateAccessKey answered) or it carries this rotator's ownership mark (rule 4). Never by time:
 *    a key whose create answer was lost (dropped connection) cannot be told from one an operator made at the
 *    same moment, so it is left alone and named in the refusal (`possiblyLost`), for a person to delete.
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
   * create with an error (then it certainly created nothing). The last MAX_CREATE_ATTEMPTS are kept. They
   * only let messages say which unknown key may be a lost one (rule 3); they authorise no deletion.
   */
  createAttempts: z.array(z.object({ at: z.string(), keysBefore: z.array(z.string()) })).optional(),
});
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
  /** The key recorded in pending.credential, if any: never a leftover. */
  pendingKeyId?: string | null;
  /** Key ids marked as issued by this rotator (key-tags.ts `keysMarkedBy`). */
  markedByThisRotator?: ReadonlySet<string>;
}): KeyPlan {
  const currentId = args.state.current?.accessKeyId;
  const previousId = args.state.previous?.accessKeyId;
  const protectedIds = new Set([currentId, previousId, args.pendingKeyId].filter((id): id is string => !!id));

  const marked = args.markedByThisRotator ?? new Set<string>();
  const leftovers = args.keys.filter((k) => marked.has(k.accessKeyId) && !protectedIds.has(k.accessKeyId));
  const deletePrevious =
    previousId && previousId !== currentId ? (args.keys.find((k) => k.accessKeyId === previousId) ?? null) : null;
  const removed = new Set([...leftovers, ...(deletePrevious ? [deletePrevious] : [])].map((k) => k.accessKeyId));
  // Rule 1, stated once more where it matters: whatever the record says, current stays.
  if (currentId) removed.delete(currentId);
  return {
    leftovers: leftovers.filter((k) => k.accessKeyId !== currentId),
    deletePrevious: deletePrevious && deletePrevious.accessKeyId !== currentId ? deletePrevious : null,
    remaining: args.keys.filter((k) => !removed.has(k.accessKeyId)),
  };
}

/**
 * Keys that a create attempt of the pending record may have made and lost (not in its snapshot): only for
 * messages. Rotor cannot prove they are its own, so it never deletes them (rule 3).
 */
export function possiblyLost(keys: readonly IamKey[], data: PendingData | null, state: RotatorState): IamKey[] {
  const known = new Set([state.current?.accessKeyId, state.previous?.accessKeyId]);
  const attempts = data?.createAttempts ?? [];
  if (attempts.length === 0) return [];
  return keys.filter((k) => !known.has(k.accessKeyId) && attempts.some((a) => !a.keysBefore.includes(k.accessKeyId)));
}

function markNote(mark: KeyMark | undefined): string | null {
  if (!mark) return null;
  return mark.rotatorId
    ? `issued by Rotor rotator ${mark.rotatorId}, not this one`
    : "tagged as Rotor-issued but not in this rotator's state";
}

/**
 * The refusal when no slot can be freed. Names the keys (ids are not secret) and says what to do, marks keys
 * that carry Rotor's ownership tag but are not in this rotator's state (e.g. another rotator's keys), and keys
 * that may be the lost result of an interrupted create (`possiblyLost`).
 */
export function limitExceededError(args: {
  userName: string;
  remaining: readonly IamKey[];
  state: RotatorState;
  rotorTagged: ReadonlyMap<string, KeyMark>;
  possiblyLost?: readonly IamKey[];
}): RotatorError {
  const currentId = args.state.current?.accessKeyId;
  const lost = new Set((args.possiblyLost ?? []).map((k) => k.accessKeyId));
  const describe = (k: IamKey) => {
    const notes = [
      k.status !== "Active" ? k.status.toLowerCase() : null,
      markNote(args.rotorTagged.get(k.accessKeyId)),
      lost.has(k.accessKeyId) ? "possibly created by an interrupted Rotor attempt whose answer was lost" : null,
    ].filter(Boolean);
    return notes.length ? `${k.accessKeyId} (${notes.join(", ")})` : k.accessKeyId;
  };
  const unmanaged = args.remaining.filter((k) => k.accessKeyId !== currentId);
  const hasCurrent = unmanaged.length < args.remaining.length;
  const list = unmanaged.map(describe).join(", ");
  const one = unmanaged.length === 1;
  // The dashboard imports credentials only when a rotator is created; afterwards import is an API call.
  const advice =
    `Delete ${one ? "that key" : "one of them"} in IAM once nothing uses it (IAM shows each key's last use), then rotate again; ` +
    `to keep ${one ? "it" : "one"} instead, import it as this rotator's previous credential (POST /api/v1/rotators/{id}/import). ` +
    "Rotor never deletes a key it cannot prove it issued.";
  const message = hasCurrent
    ? `IAM user ${args.userName} already has ${args.remaining.length} access keys: this rotator's current key ${currentId} and ${list}, which Rotor does not manage. ${advice}`
    : `IAM user ${args.userName} already has ${args.remaining.length} access keys that Rotor does not manage: ${list}. ${advice}`;
  return new RotatorError("target:limit-exceeded", message);
}
