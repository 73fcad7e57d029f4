import { describe, expect, it } from "vitest";
import { limitExceededError, planKeyChanges, type IamKey, type PendingData } from "./key-plan";

const T0 = Date.parse("2026-03-01T12:00:00Z");
const key = (id: string, at = T0 - 86_400_000, status = "Active"): IamKey => ({ accessKeyId: id, status, createDate: new Date(at) });
const cred = (id: string) => ({ accessKeyId: id, secretAccessKey: `secret-of-${id}` });
const ids = (keys: readonly IamKey[]) => keys.map((k) => k.accessKeyId);

const data = (over: Partial<PendingData> = {}): PendingData => ({
  v: 1,
  userName: "app",
  plannedAt: new Date(T0).toISOString(),
  keysBefore: [],
  deleteKeyId: null,
  ...over,
});

describe("planKeyChanges", () => {
  it("removes only state.previous", () => {
    const plan = planKeyChanges({ keys: [key("CUR"), key("PREV")], state: { current: cred("CUR"), previous: cred("PREV") }, data: null });
    expect(plan.deletePrevious?.accessKeyId).toBe("PREV");
    expect(ids(plan.remaining)).toEqual(["CUR"]);
    expect(plan.orphans).toEqual([]);
  });

  it("never removes state.current, even when previous names the same key", () => {
    const plan = planKeyChanges({ keys: [key("CUR")], state: { current: cred("CUR"), previous: cred("CUR") }, data: null });
    expect(plan.deletePrevious).toBeNull();
    expect(ids(plan.remaining)).toEqual(["CUR"]);
  });

  it("leaves keys it does not know alone", () => {
    const plan = planKeyChanges({ keys: [key("U1"), key("U2")], state: { current: null, previous: null }, data: null });
    expect(plan.deletePrevious).toBeNull();
    expect(ids(plan.remaining)).toEqual(["U1", "U2"]);
  });

  it("recognises a key created by this run's interrupted create as an orphan", () => {
    const attempt = T0 + 5_000;
    const plan = planKeyChanges({
      keys: [key("CUR"), key("LOST", attempt + 1_000)],
      state: { current: cred("CUR"), previous: null },
      data: data({ keysBefore: ["CUR"], createAttempts: [{ at: new Date(attempt).toISOString(), keysBefore: ["CUR"] }] }),
    });
    expect(ids(plan.orphans)).toEqual(["LOST"]);
    expect(ids(plan.remaining)).toEqual(["CUR"]);
  });

  it("does not take a key for an orphan when it was in the snapshot, is far from the attempt, or is in state", () => {
    const attempt = T0;
    const d = data({ createAttempts: [{ at: new Date(attempt).toISOString(), keysBefore: ["SNAP"] }] });
    const plan = planKeyChanges({
      keys: [key("SNAP", attempt + 1000), key("OLD", attempt - 3_600_000), key("LATER", attempt + 3_600_000), key("CUR", attempt + 1000)],
      state: { current: cred("CUR"), previous: null },
      data: d,
    });
    expect(plan.orphans).toEqual([]);
  });

  it("protects current even if the record would make it look like an orphan", () => {
    const plan = planKeyChanges({
      keys: [key("CUR", T0)],
      state: { current: cred("CUR"), previous: null },
      data: data({ keysBefore: [], deleteKeyId: "CUR", createAttempts: [{ at: new Date(T0).toISOString(), keysBefore: [] }] }),
    });
    expect(plan.orphans).toEqual([]);
    expect(plan.deletePrevious).toBeNull();
    expect(ids(plan.remaining)).toEqual(["CUR"]);
  });

  it("remembers earlier attempts: a key IAM did not list yet is still recognised later", () => {
    const first = { at: new Date(T0).toISOString(), keysBefore: ["CUR"] };
    const second = { at: new Date(T0 + 60_000).toISOString(), keysBefore: ["CUR"] };
    const plan = planKeyChanges({
      keys: [key("CUR"), key("LOST-1", T0 + 500), key("LOST-2", T0 + 60_500)],
      state: { current: cred("CUR"), previous: null },
      data: data({ createAttempts: [first, second] }),
    });
    expect(ids(plan.orphans)).toEqual(["LOST-1", "LOST-2"]);
  });

  it("finds no orphans when no create attempt is recorded (a new key is then someone else's)", () => {
    const plan = planKeyChanges({
      keys: [key("CUR"), key("NEW", T0 + 1000)],
      state: { current: cred("CUR"), previous: null },
      data: data({ keysBefore: ["CUR"] }),
    });
    expect(plan.orphans).toEqual([]);
    expect(ids(plan.remaining)).toEqual(["CUR", "NEW"]);
  });

  it("never takes the recorded pending key for an orphan", () => {
    const plan = planKeyChanges({
      keys: [key("NEW", T0)],
      state: { current: null, previous: null },
      data: data({ createAttempts: [{ at: new Date(T0).toISOString(), keysBefore: [] }] }),
      pendingKeyId: "NEW",
    });
    expect(plan.orphans).toEqual([]);
  });
});

describe("planKeyChanges: this rotator's leftovers", () => {
  it("removes keys marked by this rotator that are neither current nor previous", () => {
    const plan = planKeyChanges({
      keys: [key("CUR"), key("LEFT")],
      state: { current: cred("CUR"), previous: null },
      data: null,
      markedByThisRotator: new Set(["CUR", "LEFT"]),
    });
    expect(ids(plan.leftovers)).toEqual(["LEFT"]);
    expect(ids(plan.remaining)).toEqual(["CUR"]);
  });

  it("never treats current, previous or the pending key as leftovers", () => {
    const plan = planKeyChanges({
      keys: [key("CUR"), key("PEND")],
      state: { current: cred("CUR"), previous: cred("CUR") },
      data: null,
      pendingKeyId: "PEND",
      markedByThisRotator: new Set(["CUR", "PEND"]),
    });
    expect(plan.leftovers).toEqual([]);
    expect(ids(plan.remaining)).toEqual(["CUR", "PEND"]);
  });
});

describe("limitExceededError", () => {
  it("says when a key belongs to another Rotor rotator", () => {
    const error = limitExceededError({
      userName: "app",
      remaining: [key("A"), key("B")],
      state: { current: null, previous: null },
      rotorTagged: new Map([["A", { issuedAt: "x", rotatorId: "r-other" }]]),
    });
    expect(error.message).toContain("A (issued by Rotor rotator r-other, not this one), B");
  });

  it("names the unmanaged keys and what to do", () => {
    const error = limitExceededError({
      userName: "app",
      remaining: [key("AKIA1"), key("AKIA2", T0, "Inactive")],
      state: { current: null, previous: null },
      rotorTagged: new Map([["AKIA1", { issuedAt: "2026-01-01T00:00:00Z" }]]),
    });
    expect(error.code).toBe("target:limit-exceeded");
    expect(error.message).toContain("IAM user app already has 2 access keys that Rotor does not manage: AKIA1 (tagged as Rotor-issued but not in this rotator's state), AKIA2 (inactive)");
    expect(error.message).toContain("Delete or import one");
  });

  it("distinguishes this rotator's current key from the unmanaged one", () => {
    const error = limitExceededError({
      userName: "app",
      remaining: [key("CUR"), key("OTHER")],
      state: { current: cred("CUR"), previous: null },
      rotorTagged: new Map(),
    });
    expect(error.message).toContain("this rotator's current key CUR and OTHER, which Rotor does not manage");
  });
});
