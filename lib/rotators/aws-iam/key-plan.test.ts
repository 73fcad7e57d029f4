import { describe, expect, it } from "vitest";
import { limitExceededError, planKeyChanges, possiblyLost, type IamKey, type PendingData } from "./key-plan";

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
    const plan = planKeyChanges({ keys: [key("CUR"), key("PREV")], state: { current: cred("CUR"), previous: cred("PREV") } });
    expect(plan.deletePrevious?.accessKeyId).toBe("PREV");
    expect(ids(plan.remaining)).toEqual(["CUR"]);
  });

  it("never removes state.current, even when previous names the same key", () => {
    const plan = planKeyChanges({ keys: [key("CUR")], state: { current: cred("CUR"), previous: cred("CUR") } });
    expect(plan.deletePrevious).toBeNull();
    expect(ids(plan.remaining)).toEqual(["CUR"]);
  });

  it("leaves keys it does not know alone", () => {
    const plan = planKeyChanges({ keys: [key("U1"), key("U2")], state: { current: null, previous: null } });
    expect(plan.deletePrevious).toBeNull();
    expect(ids(plan.remaining)).toEqual(["U1", "U2"]);
  });

  it("never removes a key for having been created around a lost create attempt (only a recorded id or this rotator's tag proves a key is Rotor's)", () => {
    const attempt = T0 + 5_000;
    const d = data({ keysBefore: ["CUR"], createAttempts: [{ at: new Date(attempt).toISOString(), keysBefore: ["CUR"] }] });
    const keys = [key("CUR"), key("NEW", attempt + 1_000)];
    const state = { current: cred("CUR"), previous: null };
    const plan = planKeyChanges({ keys, state });
    expect(plan.leftovers).toEqual([]);
    expect(ids(plan.remaining)).toEqual(["CUR", "NEW"]);
    // It is only named as possibly lost, for the message.
    expect(ids(possiblyLost(keys, d, state))).toEqual(["NEW"]);
    expect(possiblyLost(keys, data({ keysBefore: ["CUR"] }), state)).toEqual([]);
  });

  it("protects current even if the record names it for deletion", () => {
    const plan = planKeyChanges({ keys: [key("CUR", T0)], state: { current: cred("CUR"), previous: null } });
    expect(plan.deletePrevious).toBeNull();
    expect(ids(plan.remaining)).toEqual(["CUR"]);
  });
});

describe("planKeyChanges: this rotator's leftovers", () => {
  it("removes keys marked by this rotator that are neither current nor previous", () => {
    const plan = planKeyChanges({
      keys: [key("CUR"), key("LEFT")],
      state: { current: cred("CUR"), previous: null },
      markedByThisRotator: new Set(["CUR", "LEFT"]),
    });
    expect(ids(plan.leftovers)).toEqual(["LEFT"]);
    expect(ids(plan.remaining)).toEqual(["CUR"]);
  });

  it("never treats current, previous or the pending key as leftovers", () => {
    const plan = planKeyChanges({
      keys: [key("CUR"), key("PEND")],
      state: { current: cred("CUR"), previous: cred("CUR") },
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
    // The dashboard has no import for an existing rotator: the advice names what exists and what to do there.
    expect(error.message).toContain("Delete one of them in IAM once nothing uses it");
    expect(error.message).toContain("POST /api/v1/rotators/{id}/import");
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
