/**
 * The `aws-iam` rotator: two access keys per IAM user, rotated so that consumers always hold a working key.
 *
 * One rotation (engine: prepare → persist pending → apply → verify → commit):
 *   prepare  look at the user's keys; refuse (target:limit-exceeded) if no slot can be freed; record the
 *            keys that exist now and the time (the write-ahead record, persisted by the engine).
 *   apply    remove state.previous (deactivate, then delete; the engine is told it is gone, so a run that
 *            fails later drops it from the state), checkpoint "about to create", CreateAccessKey,
 *            checkpoint the new secret IMMEDIATELY, then tag the user with the key's ownership mark.
 *   verify   sts:GetCallerIdentity with the new key until AWS accepts it (backoff, bounded).
 *   commit   new key → current, old current → previous.
 *
 * Crash safety — why apply is shaped like this:
 * - The only unrecoverable moment is between CreateAccessKey answering and the secret being persisted: AWS
 *   shows a secret exactly once. So the checkpoint with the secret is the very next thing after the create,
 *   before any other AWS call; and a create is never retried blindly (the SDK retry is off for it).
 * - Before creating, apply checkpoints the attempt time and the key ids that exist. If the answer is lost
 *   (dropped connection) the key it may have created cannot be proven Rotor's — an operator may have created
 *   one at the same moment — so it is never deleted: it is named (key-plan.ts `possiblyLost`) in the refusal
 *   the next rotation meets, for a person to delete. Only a recorded id or this rotator's mark proves a key.
 * - If the pending record already holds a key that still exists, resuming just reuses it (idempotent).
 * - state.current is never removed by any path (key-plan.ts rule 1), so an interrupted or failed rotation
 *   cannot break consumers; a timed-out verify leaves the new key in pending, for a resume to reuse or for
 *   `abandon` (the engine's path for failed runs) to remove.
 * - Keys this rotator marked as its own (user tag with context.rotatorId) that are neither current nor
 *   previous are leftovers of runs that never committed; they are removed instead of blocking forever.
 */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { RotatorError } from "../errors";
import { sleepFor, type AwsCredentials, type Credential, type Pending, type RotatorContext, type RotatorDefinition, type RotatorState } from "../types";
import { parseUserRef, type UserRef } from "./arn";
import { awsCall, awsErrorCode } from "./aws-errors";
import { createStsClient, managingCredentials } from "./clients";
import { IamTarget, type CreatedKey } from "./iam-target";
import { awsIamCredentialSchema, type AwsIamCredential, type AwsIamInputs } from "./inputs";
import {
  limitExceededError,
  MAX_CREATE_ATTEMPTS,
  MAX_KEYS_PER_USER,
  parsePendingData,
  planKeyChanges,
  possiblyLost,
  type IamKey,
  type PendingData,
} from "./key-plan";
import { keysMarkedBy, rotorTaggedKeys, tagChanges, type KeyMark } from "./key-tags";
import { awsIamMeta } from "./meta";
import { preflightAwsIam } from "./preflight";
import { probeKey, waitUntilAccepted } from "./verify-key";

function clock(context: RotatorContext) {
  return {
    now: () => (context.now ? context.now() : new Date()).getTime(),
    sleep: (ms: number) => sleepFor(ms, context),
    log: context.log ?? (() => {}),
  };
}

function userRefOf(inputs: AwsIamInputs): UserRef {
  const parsed = parseUserRef(inputs.userName);
  if (!parsed.ok) throw new RotatorError("input:invalid", parsed.message);
  return parsed.ref;
}

/** Run `body` with IAM clients for the managing login; the clients (and their sockets) are closed after. */
async function withTarget<T>(
  inputs: AwsIamInputs,
  context: RotatorContext,
  body: (opened: { ref: UserRef; credentials: AwsCredentials; target: IamTarget }) => Promise<T>,
): Promise<T> {
  const ref = userRefOf(inputs);
  const credentials = await managingCredentials(inputs, context);
  const target = new IamTarget(ref.userName, { region: inputs.region, credentials, signal: context.signal });
  try {
    return await body({ ref, credentials, target });
  } finally {
    target.destroy();
  }
}

function toCredential(credential: Credential, what: string): AwsIamCredential {
  const parsed = awsIamCredentialSchema.safeParse(credential);
  if (!parsed.success) {
    throw new RotatorError("input:invalid", `${what} is not an AWS access key: it needs accessKeyId and secretAccessKey.`);
  }
  return parsed.data;
}

/**
 * Rotor's ownership marks (key-tags.ts). Failing to read them never blocks a rotation: without them Rotor
 * simply recognises no leftovers of its own, which is the safe side.
 */
async function readMarks(target: IamTarget, log: ReturnType<typeof clock>["log"]): Promise<Map<string, KeyMark>> {
  try {
    return rotorTaggedKeys(await target.listTags());
  } catch (error) {
    log("aws-iam: could not read the IAM user's tags", { code: (error as RotatorError).code });
    return new Map();
  }
}

/** Mark `key` as this rotator's and drop marks of keys that no longer exist. Best effort, as above. */
async function markOwnership(
  target: IamTarget,
  existingKeyIds: readonly string[],
  key: { accessKeyId: string } & KeyMark,
  log: ReturnType<typeof clock>["log"],
) {
  try {
    const { add, remove } = tagChanges(await target.listTags(), existingKeyIds, key);
    await target.untag(remove);
    await target.tag(add);
  } catch (error) {
    log("aws-iam: could not tag the IAM user with the key's ownership mark", {
      accessKeyId: key.accessKeyId,
      code: (error as RotatorError).code,
      message: (error as Error).message,
    });
  }
}

/**
 * One key Rotor does not manage fits beside current, so this rotation works, but the next one can only free
 * the then-previous key and will be refused: say so now rather than at the next (perhaps scheduled) run.
 */
function unknownKeyWarning(userName: string, remaining: readonly IamKey[], state: RotatorState): string[] {
  const unknown = remaining.filter((k) => k.accessKeyId !== state.current?.accessKeyId);
  if (unknown.length !== 1) return [];
  const id = unknown[0]!.accessKeyId;
  return [
    `IAM user ${userName} also has access key ${id}, which Rotor does not manage: this rotation fits, but the next one will be refused while ${id} exists ` +
      "(AWS allows two keys per user). Delete it once nothing uses it, or import it as this rotator's previous credential (POST /api/v1/rotators/{id}/import).",
  ];
}

function describeKeys(keys: readonly IamKey[], tagged: ReadonlyMap<string, KeyMark>): string {
  if (keys.length === 0) return "no access keys";
  return keys
    .map((k) => `${k.accessKeyId} (${k.status}${tagged.has(k.accessKeyId) ? ", issued by Rotor" : ""})`)
    .join(", ");
}

export const awsIamRotator: RotatorDefinition<AwsIamInputs> = {
  ...awsIamMeta,

  async testConnection({ inputs, context }) {
    return withTarget(inputs, context, async ({ ref, credentials, target }) => {
      const details: string[] = [];

      // First the login alone, so wrong managing keys read as such rather than as a confusing IAM denial.
      const sts = createStsClient({ region: inputs.region, credentials });
      try {
        const me = await awsCall(
          { action: "sts:GetCallerIdentity", signedBy: "managing", signerKeyId: credentials.accessKeyId, secrets: target.secrets },
          () => sts.send(new GetCallerIdentityCommand({}), context.signal ? { abortSignal: context.signal } : {}),
        );
        details.push(`Managing identity: ${me.Arn}`);
      } finally {
        sts.destroy();
      }

      const user = await target.resolveUser(ref);
      details.push(`IAM user: ${user.arn}`);
      const keys = await target.listKeys();
      let tagged = new Map<string, KeyMark>();
      try {
        tagged = rotorTaggedKeys(await target.listTags());
      } catch (error) {
        // Ownership marks are informative (key-tags.ts): report, do not fail the check.
        details.push(`Could not read the user's tags (${(error as RotatorError).code ?? "error"}): grant iam:ListUserTags, iam:TagUser and iam:UntagUser so Rotor can mark the keys it issues.`);
      }
      details.push(`Access keys (${keys.length} of ${MAX_KEYS_PER_USER}): ${describeKeys(keys, tagged)}`);
      const unmarked = keys.filter((k) => !keysMarkedBy(tagged, context.rotatorId).has(k.accessKeyId));
      if (keys.length >= MAX_KEYS_PER_USER) {
        details.push(
          "Both key slots are in use: a rotation can only free the key recorded as this rotator's previous credential; import the keys in use as current and previous, or delete one first.",
        );
      } else if (unmarked.length === 1) {
        details.push(
          `Warning: key ${unmarked[0]!.accessKeyId} is not marked as issued by this rotator. Unless it is imported as this rotator's current credential, the first rotation works but the second is refused while the key exists (AWS allows two keys per user).`,
        );
      }
      return { ok: true, details };
    });
  },

  preflight: preflightAwsIam,

  async verifyCredential({ inputs, credential, context }) {
    const key = toCredential(credential, "The credential");
    const probe = await probeKey({ key, region: inputs.region, user: userRefOf(inputs), signal: context.signal });
    if (!probe.accepted) {
      throw new RotatorError(
        "auth:verify-failed",
        `AWS rejected access key ${key.accessKeyId} (${probe.reason}). Check the key id and secret; a key created in the last minute may not be active everywhere yet.`,
      );
    }
    return { ok: true };
  },

  async prepare({ inputs, state, context }) {
    const { now, log } = clock(context);
    return withTarget(inputs, context, async ({ ref, target }) => {
      const user = await target.resolveUser(ref);
      const keys = await target.listKeys();
      const marks = await readMarks(target, log);
      const plan = planKeyChanges({ keys, state, markedByThisRotator: keysMarkedBy(marks, context.rotatorId) });
      if (plan.remaining.length >= MAX_KEYS_PER_USER) {
        throw limitExceededError({ userName: user.userName, remaining: plan.remaining, state, rotorTagged: marks });
      }
      if (state.current && !keys.some((k) => k.accessKeyId === state.current!.accessKeyId)) {
        log("aws-iam: the current key in state no longer exists in IAM", { accessKeyId: state.current.accessKeyId });
      }
      const warnings = unknownKeyWarning(user.userName, plan.remaining, state);
      const data: PendingData = {
        v: 1,
        userName: user.userName,
        plannedAt: new Date(now()).toISOString(),
        keysBefore: keys.map((k) => k.accessKeyId),
        deleteKeyId: plan.deletePrevious?.accessKeyId ?? null,
      };
      return { pending: { credential: null, data }, warnings };
    });
  },

  async apply({ inputs, state, pending, context }) {
    const { now, log } = clock(context);
    const data = parsePendingData(pending.data);
    return withTarget(inputs, context, async ({ ref, target }) => {
      if (data.userName.toLowerCase() !== ref.userName.toLowerCase()) {
        throw new RotatorError(
          "input:invalid",
          `The pending rotation is for IAM user ${data.userName}, but the rotator now names ${ref.userName}. Abandon the pending rotation and rotate again.`,
        );
      }
      let keys = await target.listKeys();

      // Resume with a recorded key: if it still exists we hold its secret, so reuse it. Creating another would
      // waste the second slot and leave this one behind.
      const recorded = pending.credential ? toCredential(pending.credential, "The pending credential") : null;
      if (recorded) {
        const existing = keys.find((k) => k.accessKeyId === recorded.accessKeyId);
        if (existing?.status === "Active") {
          log("aws-iam: resuming with the key recorded in the pending rotation", { accessKeyId: recorded.accessKeyId });
          const mark = { accessKeyId: existing.accessKeyId, issuedAt: issuedAt(existing.createDate, now), rotatorId: context.rotatorId };
          await markOwnership(target, keys.map((k) => k.accessKeyId), mark, log);
          return { pending: { credential: { ...recorded }, data } };
        }
        if (existing && existing.accessKeyId !== state.current?.accessKeyId && existing.accessKeyId !== state.previous?.accessKeyId) {
          // Someone deactivated the key this run created: it cannot pass verify, and it is ours to remove.
          log("aws-iam: the key recorded in the pending rotation was deactivated; replacing it", { accessKeyId: existing.accessKeyId });
          await target.removeKey(existing.accessKeyId);
          keys = keys.filter((k) => k !== existing);
        } else if (!existing) {
          log("aws-iam: the key recorded in the pending rotation no longer exists; creating a new one", { accessKeyId: recorded.accessKeyId });
        }
      }

      // Decide everything before changing anything: if no slot can be freed, stop with nothing deleted.
      const marks = await readMarks(target, log);
      const plan = planKeyChanges({ keys, state, pendingKeyId: null, markedByThisRotator: keysMarkedBy(marks, context.rotatorId) });
      if (plan.remaining.length >= MAX_KEYS_PER_USER) {
        throw limitExceededError({ userName: data.userName, remaining: plan.remaining, state, rotorTagged: marks, possiblyLost: possiblyLost(keys, data, state) });
      }
      for (const leftover of plan.leftovers) {
        log("aws-iam: deleting this rotator's key from a run that never committed", { accessKeyId: leftover.accessKeyId });
        await target.removeKey(leftover.accessKeyId);
      }
      if (plan.deletePrevious) {
        log("aws-iam: deleting the previous key", { accessKeyId: plan.deletePrevious.accessKeyId });
        await target.removeKey(plan.deletePrevious.accessKeyId);
      }
      // From here on state.previous is gone at IAM (just deleted, or already before: a crash after the delete,
      // an operator): if this run fails, its state must not keep offering that key.
      const previousId = state.previous?.accessKeyId;
      if (previousId && previousId !== state.current?.accessKeyId && !plan.remaining.some((k) => k.accessKeyId === previousId)) {
        await context.previousRetired?.();
      }

      // Write-ahead: from here on a key may exist that only this record can identify.
      const earlier = data.createAttempts ?? [];
      const thisAttempt = { at: new Date(now()).toISOString(), keysBefore: plan.remaining.map((k) => k.accessKeyId) };
      const attempt: PendingData = { ...data, createAttempts: [...earlier, thisAttempt].slice(-MAX_CREATE_ATTEMPTS) };
      await context.checkpoint({ credential: null, data: attempt });

      const created = await createKey(target, async () => {
        // AWS answered with a refusal, so this attempt certainly created nothing: forget it, so that messages
        // never call a key an operator adds later a possibly lost one. Best effort.
        await context.checkpoint({ credential: null, data: { ...data, createAttempts: earlier } }).catch(() => {});
      });
      // The secret exists only in this response: persist it before anything else can fail.
      const withKey: Pending & { credential: Credential } = {
        credential: { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey },
        data: attempt,
      };
      try {
        await context.checkpoint(withKey);
      } catch (error) {
        // Not recorded means unusable: remove the key now rather than leave an orphan. Should that fail too,
        // the next attempt recognises it from the write-ahead record above.
        await target.removeKey(created.accessKeyId).catch(() => {});
        if (error instanceof RotatorError) throw error;
        throw new RotatorError(
          "internal:unexpected",
          `Could not save the new access key ${created.accessKeyId} before continuing, so it was deleted again. Nothing else changed; try again.`,
          { cause: error, retryable: true },
        );
      }

      await markOwnership(
        target,
        [...plan.remaining.map((k) => k.accessKeyId), created.accessKeyId],
        { accessKeyId: created.accessKeyId, issuedAt: issuedAt(created.createDate, now), rotatorId: context.rotatorId },
        log,
      );
      return { pending: withKey };
    });
  },

  /**
   * The engine gives up a failed run (it is not resumed, so its key would otherwise linger in the second
   * slot): remove the key it recorded — the only key it can prove it made. Never current or previous, and
   * never a key merely created around the time of its attempt (key-plan.ts rule 3).
   */
  async abandon({ inputs, state, pending, context }) {
    const { log } = clock(context);
    const recordedId = typeof pending.credential?.accessKeyId === "string" ? pending.credential.accessKeyId : null;
    if (!recordedId || recordedId === state.current?.accessKeyId || recordedId === state.previous?.accessKeyId) return;
    return withTarget(inputs, context, async ({ target }) => {
      const keys = await target.listKeys();
      if (!keys.some((k) => k.accessKeyId === recordedId)) return;
      log("aws-iam: deleting the key of an abandoned rotation", { accessKeyId: recordedId });
      await target.removeKey(recordedId);
    });
  },

  async verify({ inputs, credential, context }) {
    const { now, sleep, log } = clock(context);
    const key = toCredential(credential, "The pending credential");
    await waitUntilAccepted({
      key,
      region: inputs.region,
      user: userRefOf(inputs),
      timeoutMs: inputs.verifyTimeoutSeconds * 1000,
      backoff: inputs.backoff,
      now,
      sleep,
      signal: context.signal,
      log,
    });
    return { ok: true };
  },

  /**
   * The lockout guard: GetAccessKeyLastUsed on the key a rotation would delete. Used after the moment it
   * stopped being current means a consumer still signs with it. IAM records use with a delay (AWS says up to
   * a few hours), so "not used" is as of IAM's record. Without iam:GetAccessKeyLastUsed: cannot tell.
   */
  async checkInUse({ inputs, credential, retiredAt, context }) {
    const parsed = awsIamCredentialSchema.safeParse(credential);
    if (!parsed.success) throw new RotatorError("input:invalid", "The retiring credential must be { accessKeyId, secretAccessKey }.");
    const { accessKeyId } = parsed.data;
    return withTarget(inputs, context, async ({ target }) => {
      let used: Awaited<ReturnType<IamTarget["keyLastUsed"]>>;
      try {
        used = await target.keyLastUsed(accessKeyId);
      } catch (error) {
        if (error instanceof RotatorError && error.code === "auth:permission-denied") {
          return {
            verdict: "unknown" as const,
            summary: `Cannot tell whether access key ${accessKeyId} is still in use: the managing login may not call iam:GetAccessKeyLastUsed on ${target.userName}. Grant it.`,
            holders: [],
          };
        }
        throw error;
      }
      if (!used.lastUsedDate) return { verdict: "unused" as const, summary: `Access key ${accessKeyId} has never been used (IAM: N/A).`, holders: [] };
      const when = used.lastUsedDate.toISOString();
      const where = [used.serviceName, used.region].filter((v) => v && v !== "N/A").join(" in ");
      const lastUse = `${when}${where ? ` (${where})` : ""}`;
      if (!retiredAt) {
        return { verdict: "unknown" as const, summary: `Access key ${accessKeyId} was last used at ${lastUse}; when it stopped being current is not known.`, holders: [] };
      }
      if (used.lastUsedDate.getTime() > retiredAt.getTime()) {
        return {
          verdict: "in-use" as const,
          summary: `Access key ${accessKeyId} was used at ${lastUse}, after it stopped being current at ${retiredAt.toISOString()}: it is about to be deleted.`,
          holders: [`access key ${accessKeyId} (last used ${lastUse})`],
        };
      }
      return { verdict: "unused" as const, summary: `Access key ${accessKeyId} was last used at ${lastUse}, before it stopped being current.`, holders: [] };
    });
  },

  usesGrace: (inputs) => inputs.graceDeactivate,

  /** Grace: the key that just became previous is deactivated (kept, so Roll back can reactivate it). */
  async deactivatePrevious({ inputs, state, context }) {
    const previousId = state.previous?.accessKeyId;
    if (!previousId || previousId === state.current?.accessKeyId) return;
    await withTarget(inputs, context, ({ target }) => target.setKeyStatus(previousId, "Inactive"));
  },

  /** Roll back: the previous key must still exist; reactivate it if grace deactivated it. */
  async rollback({ inputs, state, context }) {
    const previousId = state.previous?.accessKeyId;
    if (!previousId) return;
    await withTarget(inputs, context, async ({ target }) => {
      const key = (await target.listKeys()).find((k) => k.accessKeyId === previousId);
      if (!key) {
        throw new RotatorError("target:unknown-credential", `Access key ${previousId} no longer exists at IAM user ${target.userName}: it was deleted (by a rotation or by someone else), so there is nothing to roll back to.`);
      }
      if (key.status !== "Active") await target.setKeyStatus(previousId, "Active");
    });
  },

  commit({ state, pending }) {
    const next = { ...pending.credential };
    // Committing the same pending twice must not turn current into its own previous.
    const sameKey = next.accessKeyId !== undefined && state.current?.accessKeyId === next.accessKeyId;
    if (sameKey) return { state: { current: next, previous: state.previous } };
    return { state: { current: next, previous: state.current } satisfies RotatorState };
  },
};

async function createKey(target: IamTarget, onDefinitiveFailure: () => Promise<void>): Promise<CreatedKey> {
  try {
    return await target.createKey();
  } catch (error) {
    // An HTTP error answer is definitive (nothing created); a network error is not (maybe created, answer lost).
    const cause = error instanceof RotatorError ? error.cause : error;
    if ((cause as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode) await onDefinitiveFailure();
    if (error instanceof RotatorError && error.code === "target:limit-exceeded" && awsErrorCode(error.cause) === "LimitExceeded") {
      // We checked that a slot was free. IAM's lists are eventually consistent, so the usual cause is a key
      // from an interrupted attempt that ListAccessKeys did not show yet; the next attempt will see (and
      // remove) it.
      throw new RotatorError(
        "target:limit-exceeded",
        `IAM refused a new access key for user ${target.userName}: it already has ${MAX_KEYS_PER_USER} keys, although Rotor saw a free slot a moment ago (IAM is eventually consistent). Try again in a minute.`,
        { cause: error.cause, retryable: true },
      );
    }
    throw error;
  }
}

/** The ownership tag's value: the key's IAM creation time (seconds precision). */
function issuedAt(createDate: Date | undefined, now: () => number): string {
  return (createDate ?? new Date(now())).toISOString().replace(/\.\d{3}Z$/, "Z");
}
