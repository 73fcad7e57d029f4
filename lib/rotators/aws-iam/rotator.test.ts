/**
 * The aws-iam rotator against the fake IAM/STS endpoint, through the real AWS SDK clients (no SDK mocks).
 * A virtual clock is shared by the fake (CreateDate, propagation delay) and the rotator (context.now/sleep),
 * so waiting out IAM's eventual consistency takes no real time.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAws, type AwsKeyPair, type FakeAws } from "@/test/support/fake-aws";
import { RotatorError } from "../errors";
import type { Credential, Pending, RotatorContext, RotatorState } from "../types";
import { awsIamRotator } from "./index";
import { awsIamInputsSchema, type AwsIamInputs, type AwsIamInputsInput } from "./inputs";
import { keyTagName } from "./key-tags";

const EMPTY: RotatorState = { current: null, previous: null };

let fake: FakeAws;
let restoreEndpoint: () => void;
let t: number;
let sleeps: number[];
let checkpoints: Pending[];
let timeline: string[];
let logs: string[];
/** Replaced by tests that simulate a crash inside checkpoint. */
let onCheckpoint: (p: Pending) => Promise<void>;

const context = (): RotatorContext => ({
  checkpoint: async (p) => {
    checkpoints.push(structuredClone(p));
    timeline.push(p.credential ? `checkpoint:${p.credential.accessKeyId}` : "checkpoint:intent");
    await onCheckpoint(p);
  },
  now: () => new Date(t),
  sleep: async (ms) => {
    sleeps.push(ms);
    t += ms;
  },
  log: (message) => void logs.push(message),
});

function inputs(over: Partial<AwsIamInputsInput> = {}): AwsIamInputs {
  return awsIamInputsSchema.parse({ userName: "app", login: { kind: "static", ...fake.adminCredentials }, ...over });
}

/** What the engine does: prepare → apply → verify → commit. */
async function rotate(state: RotatorState, i: AwsIamInputs = inputs(), ctx: RotatorContext = context()) {
  const { pending } = await awsIamRotator.prepare({ inputs: i, state, context: ctx });
  const applied = await awsIamRotator.apply({ inputs: i, state, pending, context: ctx });
  await awsIamRotator.verify({ inputs: i, credential: applied.pending.credential, context: ctx });
  return awsIamRotator.commit({ state, pending: applied.pending }).state;
}

/** Resume an interrupted run from the last persisted pending record. */
async function resume(state: RotatorState, pending: Pending, i: AwsIamInputs = inputs()) {
  const ctx = context();
  const applied = await awsIamRotator.apply({ inputs: i, state, pending, context: ctx });
  await awsIamRotator.verify({ inputs: i, credential: applied.pending.credential, context: ctx });
  return awsIamRotator.commit({ state, pending: applied.pending }).state;
}

async function whoAmI(key: Credential | AwsKeyPair) {
  const sts = new STSClient({ region: "us-east-1", credentials: key as AwsKeyPair, maxAttempts: 1 });
  return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
}

const pair = (k: AwsKeyPair): Credential => ({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey });
const keyIds = (user = "app") => fake.admin.listAccessKeys(user).map((k) => k.accessKeyId).sort();
const calls = (action: string) => fake.admin.calls().filter((c) => c.action === action);

async function rejection(promise: Promise<unknown>): Promise<RotatorError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RotatorError);
    return error as RotatorError;
  }
  throw new Error("expected a RotatorError");
}

beforeEach(async () => {
  t = Date.parse("2026-03-01T12:00:00Z");
  sleeps = [];
  checkpoints = [];
  timeline = [];
  logs = [];
  onCheckpoint = async () => {};
  fake = await startFakeAws({ now: () => t, onCall: (c) => timeline.push(`aws:${c.action}`) });
  restoreEndpoint = fake.useAsDefaultEndpoint();
  fake.admin.createUser("app");
});

afterEach(async () => {
  restoreEndpoint();
  await fake.stop();
});

describe("aws-iam rotation", () => {
  it("first rotation with empty state creates, records, tags and verifies one key", async () => {
    const state = await rotate(EMPTY);
    expect(state.previous).toBeNull();
    expect(keyIds()).toEqual([state.current!.accessKeyId]);
    expect(await whoAmI(state.current!)).toBe("arn:aws:iam::123456789012:user/app");
    expect(Object.keys(fake.admin.userTags("app"))).toEqual([keyTagName(state.current!.accessKeyId)]);
    expect(calls("DeleteAccessKey")).toEqual([]);
  });

  it("later rotations delete only previous and keep exactly current + previous, both working", async () => {
    const first = await rotate(EMPTY);
    const second = await rotate(first);
    expect(second.previous).toEqual(first.current);
    expect(keyIds()).toEqual([first.current!.accessKeyId, second.current!.accessKeyId].sort());

    const third = await rotate(second);
    expect(third.previous).toEqual(second.current);
    expect(keyIds()).toEqual([second.current!.accessKeyId, third.current!.accessKeyId].sort());
    expect(fake.admin.getAccessKey(first.current!.accessKeyId)).toBeUndefined();
    expect(await whoAmI(third.current!)).toMatch(/:user\/app$/);
    expect(await whoAmI(third.previous!)).toMatch(/:user\/app$/);
    // Deactivated before deleted.
    const removed = fake.admin.calls().filter((c) => c.action === "UpdateAccessKey" || c.action === "DeleteAccessKey");
    expect(removed.map((c) => c.action)).toEqual(["UpdateAccessKey", "DeleteAccessKey"]);
    // Ownership tags follow the keys.
    expect(Object.keys(fake.admin.userTags("app")).sort()).toEqual(
      [keyTagName(second.current!.accessKeyId), keyTagName(third.current!.accessKeyId)].sort(),
    );
  });

  it("rotates from an imported existing key without resetting it first", async () => {
    const existing = fake.admin.seedAccessKey("app");
    const imported: RotatorState = { current: pair(existing), previous: null };
    await awsIamRotator.verifyCredential({ inputs: inputs(), credential: pair(existing), context: context() });

    const first = await rotate(imported);
    expect(first.previous).toEqual(imported.current);
    expect(keyIds()).toHaveLength(2);
    expect(await whoAmI(existing)).toMatch(/:user\/app$/); // still works: consumers have not switched yet

    const second = await rotate(first);
    expect(fake.admin.getAccessKey(existing.accessKeyId)).toBeUndefined(); // given in state, so Rotor may remove it
    expect(keyIds()).toEqual([first.current!.accessKeyId, second.current!.accessKeyId].sort());
  });

  it("refuses a user with two keys it does not manage, deleting nothing", async () => {
    const a = fake.admin.seedAccessKey("app");
    const b = fake.admin.seedAccessKey("app", { status: "Inactive" });
    const error = await rejection(rotate(EMPTY));
    expect(error.code).toBe("target:limit-exceeded");
    expect(error.message).toContain(`IAM user app already has 2 access keys that Rotor does not manage: ${a.accessKeyId}, ${b.accessKeyId} (inactive)`);
    expect(error.message).toContain("Delete one of them in IAM");
    expect(error.message).not.toContain(a.secretAccessKey);
    expect(keyIds()).toEqual([a.accessKeyId, b.accessKeyId].sort());
    expect([...calls("UpdateAccessKey"), ...calls("DeleteAccessKey"), ...calls("CreateAccessKey")]).toEqual([]);
  });

  it("refuses when current plus an unknown key fill both slots, even if previous is recorded", async () => {
    const first = await rotate(EMPTY);
    const stranger = fake.admin.seedAccessKey("app");
    const state = { current: first.current, previous: { accessKeyId: "AKIAGONEGONEGONEGONE", secretAccessKey: "x" } };
    const error = await rejection(rotate(state));
    expect(error.code).toBe("target:limit-exceeded");
    expect(error.message).toContain(`this rotator's current key ${first.current!.accessKeyId} and ${stranger.accessKeyId}, which Rotor does not manage`);
    expect(keyIds()).toHaveLength(2);
  });

  it("also refuses in apply if an unknown key appeared after prepare", async () => {
    const first = await rotate(EMPTY);
    const i = inputs();
    const { pending } = await awsIamRotator.prepare({ inputs: i, state: first, context: context() });
    fake.admin.seedAccessKey("app");
    const error = await rejection(awsIamRotator.apply({ inputs: i, state: first, pending, context: context() }));
    expect(error.code).toBe("target:limit-exceeded");
    expect(keyIds()).toHaveLength(2);
    expect(calls("DeleteAccessKey")).toEqual([]);
  });

  it("waits out IAM's propagation delay with exponential backoff", async () => {
    fake.admin.setPropagationDelay(8_000);
    const state = await rotate(EMPTY);
    expect(sleeps).toEqual([1000, 2000, 4000, 8000]);
    const probes = calls("GetCallerIdentity").filter((c) => c.accessKeyId === state.current!.accessKeyId);
    expect(probes.map((c) => c.errorCode ?? "ok")).toEqual(["InvalidClientTokenId", "InvalidClientTokenId", "InvalidClientTokenId", "InvalidClientTokenId", "ok"]);
    expect(await whoAmI(state.current!)).toMatch(/:user\/app$/);
  });

  it("times out with auth:verify-failed and keeps the key pending for the next attempt", async () => {
    fake.admin.setPropagationDelay(120_000);
    const i = inputs({ verifyTimeoutSeconds: 10 });
    const error = await rejection(rotate(EMPTY, i));
    expect(error.code).toBe("auth:verify-failed");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("within 10 s");
    const pending = checkpoints.at(-1)!;
    expect(pending.credential).not.toBeNull();
    expect(error.message).not.toContain(pending.credential!.secretAccessKey);
    expect(keyIds()).toEqual([pending.credential!.accessKeyId]);

    t += 120_000; // AWS catches up
    const creates = calls("CreateAccessKey").length;
    const state = await resume(EMPTY, pending, i);
    expect(calls("CreateAccessKey")).toHaveLength(creates);
    expect(state.current).toEqual(pending.credential);
  });

  it("checkpoints the new secret before any other call after CreateAccessKey", async () => {
    await rotate(await rotate(EMPTY));
    const lastCreate = timeline.lastIndexOf("aws:CreateAccessKey");
    expect(timeline[lastCreate - 1]).toBe("checkpoint:intent");
    expect(timeline[lastCreate + 1]).toMatch(/^checkpoint:AKIA/);
  });

  it("after a lost CreateAccessKey answer, the key it may have made is never deleted but named in the refusal", async () => {
    const first = await rotate(EMPTY);
    fake.admin.injectFault({ action: "CreateAccessKey", kind: "drop-after" });
    const error = await rejection(rotate(first));
    expect(error.code).toBe("target:unreachable");
    expect(error.retryable).toBe(true);
    expect(calls("CreateAccessKey")).toHaveLength(2); // the SDK did not retry the create blindly
    const lost = keyIds().find((id) => id !== first.current!.accessKeyId)!;
    expect(lost).toBeDefined();
    const pending = checkpoints.at(-1)!;
    expect(pending.credential).toBeNull(); // the secret never arrived

    t += 30_000;
    // Rotor cannot prove the key is its own (an operator may have made one at that moment): it stays.
    const refused = await rejection(resume(first, pending));
    expect(refused.code).toBe("target:limit-exceeded");
    expect(refused.message).toContain(`${lost} (possibly created by an interrupted Rotor attempt whose answer was lost)`);
    expect(fake.admin.getAccessKey(lost)).toBeDefined();
    expect(calls("DeleteAccessKey")).toEqual([]);
    expect(await whoAmI(first.current!)).toMatch(/:user\/app$/);
  });

  it("resumes after a crash after the checkpoint by reusing the recorded key", async () => {
    const first = await rotate(EMPTY);
    // The process "dies" right after the secret was persisted: the checkpoint never returns.
    let crashed!: () => void;
    const crash = new Promise<void>((resolve) => (crashed = resolve));
    onCheckpoint = (p) => (p.credential ? (crashed(), new Promise<void>(() => {})) : Promise.resolve());
    const i = inputs();
    const { pending } = await awsIamRotator.prepare({ inputs: i, state: first, context: context() });
    void awsIamRotator.apply({ inputs: i, state: first, pending, context: context() });
    await crash;
    onCheckpoint = async () => {};
    const recorded = checkpoints.at(-1)!;
    expect(keyIds()).toContain(recorded.credential!.accessKeyId);

    const creates = calls("CreateAccessKey").length;
    const state = await resume(first, recorded, i);
    expect(calls("CreateAccessKey")).toHaveLength(creates);
    expect(state.current).toEqual(recorded.credential);
    expect(keyIds()).toEqual([first.current!.accessKeyId, recorded.credential!.accessKeyId].sort());
    expect(fake.admin.userTags("app")[keyTagName(recorded.credential!.accessKeyId)]).toBeDefined();
  });

  it("after a refused create, a key added later by someone else is not taken for an orphan", async () => {
    const first = await rotate(EMPTY);
    fake.admin.injectFault({ action: "CreateAccessKey", kind: "error", code: "ServiceFailure", status: 500 });
    const error = await rejection(rotate(first));
    expect(error.code).toBe("target:rejected");
    expect(error.retryable).toBe(true);
    const pending = checkpoints.at(-1)!;
    expect(pending.data.createAttempts).toEqual([]); // AWS answered: nothing was created

    const operatorKey = fake.admin.seedAccessKey("app");
    const refused = await rejection(resume(first, pending));
    expect(refused.code).toBe("target:limit-exceeded");
    expect(fake.admin.getAccessKey(operatorKey.accessKeyId)).toBeDefined();
    expect(calls("DeleteAccessKey")).toEqual([]);
  });

  it("a resume never deletes the current key, whatever the pending record says", async () => {
    const first = await rotate(EMPTY);
    const currentId = first.current!.accessKeyId;
    // A record that makes current look deletable by every rule: not in the snapshots, created at the attempt,
    // named as the key to delete.
    const hostile: Pending = {
      credential: null,
      data: {
        v: 1,
        userName: "app",
        plannedAt: new Date(t).toISOString(),
        keysBefore: [],
        deleteKeyId: currentId,
        createAttempts: [{ at: new Date(t).toISOString(), keysBefore: [] }],
      },
    };
    const state = await resume(first, hostile);
    expect(fake.admin.getAccessKey(currentId)).toBeDefined();
    expect(await whoAmI(first.current!)).toMatch(/:user\/app$/);
    expect(state.previous).toEqual(first.current);
    expect(calls("DeleteAccessKey")).toEqual([]);
  });

  it("a failed checkpoint after CreateAccessKey removes the unrecorded key again", async () => {
    const first = await rotate(EMPTY);
    onCheckpoint = async (p) => {
      if (p.credential) throw new Error("database unavailable");
    };
    const error = await rejection(rotate(first));
    expect(error.code).toBe("internal:unexpected");
    expect(error.retryable).toBe(true);
    expect(keyIds()).toEqual([first.current!.accessKeyId]);
  });

  it("removes its own leftover from a run that never committed, but not another rotator's key", async () => {
    const mine = { ...context(), rotatorId: "rot-A" };
    const first = await rotate(EMPTY, inputs(), mine);
    expect(fake.admin.userTags("app")[keyTagName(first.current!.accessKeyId)]).toMatch(/ rotator=rot-A$/);
    // A run that applied and then vanished (not resumed, not abandoned).
    const i = inputs();
    const { pending } = await awsIamRotator.prepare({ inputs: i, state: first, context: mine });
    const stray = (await awsIamRotator.apply({ inputs: i, state: first, pending, context: mine })).pending.credential;

    // Another rotator sees the same user: it must not touch rot-A's keys.
    const other = await rejection(rotate(EMPTY, i, { ...context(), rotatorId: "rot-B" }));
    expect(other.code).toBe("target:limit-exceeded");
    expect(other.message).toContain("issued by Rotor rotator rot-A, not this one");

    // Without an id nothing is recognised as a leftover either.
    expect((await rejection(rotate(first))).code).toBe("target:limit-exceeded");

    const next = await rotate(first, i, mine);
    expect(fake.admin.getAccessKey(stray.accessKeyId)).toBeUndefined();
    expect(keyIds()).toEqual([first.current!.accessKeyId, next.current!.accessKeyId].sort());
    expect(next.previous).toEqual(first.current);
  });

  it("abandon removes the failed run's recorded key, never current, previous or an unproven key", async () => {
    const first = await rotate(EMPTY);
    const second = await rotate(first);
    fake.admin.setPropagationDelay(120_000);
    const failed = await rejection(rotate(second, inputs({ verifyTimeoutSeconds: 5 })));
    expect(failed.code).toBe("auth:verify-failed");
    const pending = checkpoints.at(-1)!;
    expect(keyIds()).toEqual([second.current!.accessKeyId, pending.credential!.accessKeyId].sort());

    await awsIamRotator.abandon!({ inputs: inputs(), state: second, pending, context: context() });
    expect(keyIds()).toEqual([second.current!.accessKeyId]);
    await awsIamRotator.abandon!({ inputs: inputs(), state: second, pending, context: context() }); // idempotent

    // A key whose create answer was lost is not provably Rotor's: abandon leaves it.
    fake.admin.setPropagationDelay(0);
    fake.admin.injectFault({ action: "CreateAccessKey", kind: "drop-after" });
    await rejection(rotate(second));
    expect(keyIds()).toHaveLength(2);
    await awsIamRotator.abandon!({ inputs: inputs(), state: second, pending: checkpoints.at(-1)!, context: context() });
    expect(keyIds()).toHaveLength(2);
    fake.admin.deleteAccessKey(keyIds().find((id) => id !== second.current!.accessKeyId)!);

    // A hostile record naming current changes nothing.
    await awsIamRotator.abandon!({ inputs: inputs(), state: second, pending: { credential: second.current, data: {} }, context: context() });
    expect(keyIds()).toEqual([second.current!.accessKeyId]);
  });

  it("commit is idempotent", () => {
    const a = { accessKeyId: "AKIAAAAAAAAAAAAAAAAA", secretAccessKey: "a" };
    const b = { accessKeyId: "AKIABBBBBBBBBBBBBBBB", secretAccessKey: "b" };
    const once = awsIamRotator.commit({ state: { current: a, previous: null }, pending: { credential: b, data: {} } }).state;
    expect(once).toEqual({ current: b, previous: a });
    expect(awsIamRotator.commit({ state: once, pending: { credential: b, data: {} } }).state).toEqual(once);
  });
});

describe("aws-iam managing login and checks", () => {
  it("uses context.awsCredentials (e.g. temporary credentials) before static keys", async () => {
    const session = fake.admin.issueSessionCredentials(fake.adminUser.userName);
    const i = inputs({ login: undefined });
    const state = await rotate(EMPTY, i, { ...context(), awsCredentials: async () => session });
    expect(keyIds()).toEqual([state.current!.accessKeyId]);
    expect(fake.admin.calls().filter((c) => c.action === "CreateAccessKey")[0].accessKeyId).toBe(session.accessKeyId);
  });

  it("asks for a login when there is none", async () => {
    const error = await rejection(awsIamRotator.testConnection({ inputs: inputs({ login: undefined }), context: context() }));
    expect(error.code).toBe("input:invalid");
  });

  it("testConnection reports the identity, user and keys", async () => {
    const seeded = fake.admin.seedAccessKey("app");
    const result = await awsIamRotator.testConnection({ inputs: inputs(), context: context() });
    expect(result.details).toEqual([
      "Managing identity: arn:aws:iam::123456789012:user/rotor-admin",
      "IAM user: arn:aws:iam::123456789012:user/app",
      `Access keys (1 of 2): ${seeded.accessKeyId} (Active)`,
      expect.stringContaining(`Warning: key ${seeded.accessKeyId} is not marked as issued by this rotator`),
    ]);
    expect([...calls("CreateAccessKey"), ...calls("TagUser")]).toEqual([]);
  });

  it("reports a missing user as target:user-not-found", async () => {
    const error = await rejection(awsIamRotator.testConnection({ inputs: inputs({ userName: "ghost" }), context: context() }));
    expect(error.code).toBe("target:user-not-found");
    expect(error.message).toContain("IAM user ghost was not found");
  });

  it("reports a missing permission naming the action", async () => {
    fake.admin.createUser("limited", { policy: ["iam:GetUser"] });
    const limited = fake.admin.seedAccessKey("limited");
    const error = await rejection(
      awsIamRotator.testConnection({ inputs: inputs({ login: { kind: "static", ...limited } }), context: context() }),
    );
    expect(error.code).toBe("auth:permission-denied");
    expect(error.message).toContain("not allowed to call iam:ListAccessKeys on IAM user app");
    expect(error.message).not.toContain(limited.secretAccessKey);
  });

  it("treats the ownership tags as best effort: no tag permissions warns but rotates", async () => {
    fake.admin.createUser("untagger", {
      policy: ["iam:GetUser", "iam:ListAccessKeys", "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey"],
    });
    const key = fake.admin.seedAccessKey("untagger");
    const login = { kind: "static" as const, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    const check = await awsIamRotator.testConnection({ inputs: inputs({ login }), context: context() });
    expect(check.details.join("\n")).toContain("grant iam:ListUserTags, iam:TagUser and iam:UntagUser");
    const first = await rotate(EMPTY, inputs({ login }));
    const second = await rotate(first, inputs({ login }));
    expect(keyIds()).toEqual([first.current!.accessKeyId, second.current!.accessKeyId].sort());
    expect(fake.admin.userTags("app")).toEqual({});
    expect(logs.join("\n")).toContain("could not tag");
  });

  it("reports wrong managing keys as auth:managing-login-failed without the secret", async () => {
    const wrong = { kind: "static" as const, accessKeyId: fake.adminCredentials.accessKeyId, secretAccessKey: "WRONGwrongWRONGwrongWRONGwrongWRONGwrong" };
    const error = await rejection(awsIamRotator.testConnection({ inputs: inputs({ login: wrong }), context: context() }));
    expect(error.code).toBe("auth:managing-login-failed");
    expect(error.message).toContain("SignatureDoesNotMatch");
    expect(error.message).toContain(fake.adminCredentials.accessKeyId);
    expect(error.message).not.toContain(wrong.secretAccessKey);
  });

  it("reports an unreachable endpoint as target:unreachable (retryable)", async () => {
    fake.admin.injectFault({ action: "GetUser", kind: "drop-before", times: 3 });
    const error = await rejection(awsIamRotator.prepare({ inputs: inputs(), state: EMPTY, context: context() }));
    expect(error.code).toBe("target:unreachable");
    expect(error.retryable).toBe(true);
  });

  it("accepts a user ARN of the right account and refuses one of another account", async () => {
    const state = await rotate(EMPTY, inputs({ userName: "arn:aws:iam::123456789012:user/app" }));
    expect(keyIds()).toEqual([state.current!.accessKeyId]);
    const error = await rejection(rotate(EMPTY, inputs({ userName: "arn:aws:iam::999999999999:user/app" })));
    expect(error.code).toBe("target:user-not-found");
    expect(error.message).toContain("another AWS account");
  });

  it("verifyCredential checks that the key works and belongs to the configured user", async () => {
    const mine = fake.admin.seedAccessKey("app");
    await expect(awsIamRotator.verifyCredential({ inputs: inputs(), credential: pair(mine), context: context() })).resolves.toEqual({ ok: true });

    fake.admin.createUser("other");
    const theirs = fake.admin.seedAccessKey("other");
    const wrongUser = await rejection(awsIamRotator.verifyCredential({ inputs: inputs(), credential: pair(theirs), context: context() }));
    expect(wrongUser.code).toBe("auth:verify-failed");
    expect(wrongUser.message).toContain("belongs to arn:aws:iam::123456789012:user/other");

    const badSecret = { accessKeyId: mine.accessKeyId, secretAccessKey: "nope-nope-nope-nope" };
    const rejected = await rejection(awsIamRotator.verifyCredential({ inputs: inputs(), credential: badSecret, context: context() }));
    expect(rejected.code).toBe("auth:verify-failed");
    expect(rejected.message).toContain("SignatureDoesNotMatch");
    expect(rejected.message).not.toContain(badSecret.secretAccessKey);
  });

  it("rejects malformed credentials as input:invalid", async () => {
    const error = await rejection(awsIamRotator.verifyCredential({ inputs: inputs(), credential: { password: "x" }, context: context() }));
    expect(error.code).toBe("input:invalid");
  });
});

describe("ownership is proven, never guessed from time", () => {
  it("after a create lost before it reached IAM, abandon and the next run never touch an operator's new key", async () => {
    const first = await rotate(EMPTY);
    const second = await rotate(first);
    fake.admin.injectFault({ action: "CreateAccessKey", kind: "drop-before" });
    const failed = await rejection(rotate(second));
    expect(failed.code).toBe("target:unreachable");
    const pending = checkpoints.at(-1)!;
    expect(pending.data.createAttempts).toHaveLength(1); // outcome unknown to Rotor

    t += 60_000;
    const operatorKey = fake.admin.seedAccessKey("app", { createDate: new Date(t) });
    // The engine's "abandon previous attempt" step, then the next rotation.
    await awsIamRotator.abandon!({ inputs: inputs(), state: second, pending, context: context() });
    expect(fake.admin.getAccessKey(operatorKey.accessKeyId)).toBeDefined();
    const refused = await rejection(rotate(second));
    expect(refused.code).toBe("target:limit-exceeded");
    expect(refused.message).toContain(operatorKey.accessKeyId);
    // A resume of the failed run (apply with its record) does not take it for an orphan either.
    await rejection(resume(second, pending));
    expect(fake.admin.getAccessKey(operatorKey.accessKeyId)?.status).toBe("Active");
    expect(calls("DeleteAccessKey").length).toBe(1); // only the previous key of the failed run, long before
  });
});

describe("messages say what happens", () => {
  it("a verify timeout says the next attempt replaces the key (the engine abandons failed runs)", async () => {
    fake.admin.setPropagationDelay(120_000);
    const error = await rejection(rotate(EMPTY, inputs({ verifyTimeoutSeconds: 5 })));
    expect(error.message).not.toContain("resumes with it");
    expect(error.message).toContain("the next attempt deletes this new key and creates a fresh one");
  });

  it("one unknown key on the user is a warning at plan time: the second rotation would be refused", async () => {
    const unknown = fake.admin.seedAccessKey("app");
    const { warnings } = await awsIamRotator.prepare({ inputs: inputs(), state: EMPTY, context: context() });
    expect(warnings?.join(" ")).toContain(`also has access key ${unknown.accessKeyId}, which Rotor does not manage: this rotation fits, but the next one will be refused`);
    const test = await awsIamRotator.testConnection({ inputs: inputs(), context: context() });
    expect(test.details.join("\n")).toContain(`Warning: key ${unknown.accessKeyId} is not marked as issued by this rotator`);
    // Imported as current, it is managed: no warning.
    const managed = await awsIamRotator.prepare({ inputs: inputs(), state: { current: pair(unknown), previous: null }, context: context() });
    expect(managed.warnings).toEqual([]);
  });
});
