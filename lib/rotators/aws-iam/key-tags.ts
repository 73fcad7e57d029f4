/**
 * Ownership marks on the IAM user: one tag per key Rotor created,
 *   rotor:key:<AccessKeyId> = <issue time>[ rotator=<rotator id>]
 * on the user, because IAM access keys cannot be tagged themselves. They tell an operator (in the console and
 * in Rotor's limit-exceeded message) which keys came from Rotor, and which rotator. The only deletion they
 * authorise is of a key marked with THIS rotator's id that is in neither current nor previous — a key from
 * one of its own runs that never committed (see key-plan.ts). A mark without a rotator id, or with another
 * rotator's, authorises nothing.
 */
export const KEY_TAG_PREFIX = "rotor:key:";

export const keyTagName = (accessKeyId: string) => `${KEY_TAG_PREFIX}${accessKeyId}`;

export interface Tag {
  Key?: string;
  Value?: string;
}

export interface KeyMark {
  issuedAt: string;
  rotatorId?: string;
}

/** IAM tag values allow letters, digits, spaces and _.:/=+-@, up to 256 characters. */
function tagSafe(value: string): string {
  return value.replace(/[^\p{L}\p{N}_.:/=+\-@]/gu, "_").slice(0, 200);
}

export function markValue(mark: KeyMark): string {
  return mark.rotatorId ? `${mark.issuedAt} rotator=${tagSafe(mark.rotatorId)}` : mark.issuedAt;
}

function parseMark(value: string): KeyMark {
  const match = /^(\S*)(?: rotator=(\S+))?$/.exec(value);
  return match ? { issuedAt: match[1], rotatorId: match[2] } : { issuedAt: value };
}

/** Key id → mark, for every Rotor ownership tag on the user. */
export function rotorTaggedKeys(tags: readonly Tag[]): Map<string, KeyMark> {
  const out = new Map<string, KeyMark>();
  for (const tag of tags) {
    if (tag.Key?.startsWith(KEY_TAG_PREFIX)) out.set(tag.Key.slice(KEY_TAG_PREFIX.length), parseMark(tag.Value ?? ""));
  }
  return out;
}

/** Key ids marked as issued by `rotatorId` (none when there is no id to compare). */
export function keysMarkedBy(marks: ReadonlyMap<string, KeyMark>, rotatorId: string | undefined): Set<string> {
  if (!rotatorId) return new Set();
  const mine = tagSafe(rotatorId);
  return new Set([...marks].filter(([, m]) => m.rotatorId === mine).map(([id]) => id));
}

/** Which tags to add and remove so exactly the existing Rotor keys (plus the new one) are marked. */
export function tagChanges(
  tags: readonly Tag[],
  existingKeyIds: readonly string[],
  newKey: { accessKeyId: string } & KeyMark,
): { add: Tag[]; remove: string[] } {
  const marks = rotorTaggedKeys(tags);
  const existing = new Set(existingKeyIds);
  const remove = [...marks.keys()].filter((id) => !existing.has(id) && id !== newKey.accessKeyId).map(keyTagName);
  const value = markValue(newKey);
  const current = tags.find((t) => t.Key === keyTagName(newKey.accessKeyId));
  const add = current?.Value === value ? [] : [{ Key: keyTagName(newKey.accessKeyId), Value: value }];
  return { add, remove };
}
