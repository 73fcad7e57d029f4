import { describe, expect, it } from "vitest";
import { keysMarkedBy, markValue, rotorTaggedKeys, tagChanges } from "./key-tags";

describe("key ownership tags", () => {
  it("round-trips marks with and without a rotator id", () => {
    const tags = [
      { Key: "rotor:key:AKIA1", Value: markValue({ issuedAt: "2026-03-01T12:00:00Z", rotatorId: "rot-1" }) },
      { Key: "rotor:key:AKIA2", Value: markValue({ issuedAt: "2026-03-01T12:00:00Z" }) },
      { Key: "team", Value: "payments" },
    ];
    expect(tags[0].Value).toBe("2026-03-01T12:00:00Z rotator=rot-1");
    const marks = rotorTaggedKeys(tags);
    expect([...marks]).toEqual([
      ["AKIA1", { issuedAt: "2026-03-01T12:00:00Z", rotatorId: "rot-1" }],
      ["AKIA2", { issuedAt: "2026-03-01T12:00:00Z", rotatorId: undefined }],
    ]);
    expect([...keysMarkedBy(marks, "rot-1")]).toEqual(["AKIA1"]);
    expect([...keysMarkedBy(marks, "rot-2")]).toEqual([]);
    expect([...keysMarkedBy(marks, undefined)]).toEqual([]);
  });

  it("keeps rotator ids within IAM's tag alphabet", () => {
    expect(markValue({ issuedAt: "t", rotatorId: "a b#c" })).toBe("t rotator=a_b_c");
    const marks = rotorTaggedKeys([{ Key: "rotor:key:K", Value: "t rotator=a_b_c" }]);
    expect([...keysMarkedBy(marks, "a b#c")]).toEqual(["K"]);
  });

  it("adds the new key's mark and removes marks of keys that are gone", () => {
    const changes = tagChanges(
      [{ Key: "rotor:key:OLD", Value: "t" }, { Key: "rotor:key:KEEP", Value: "t" }, { Key: "other", Value: "x" }],
      ["KEEP", "NEW"],
      { accessKeyId: "NEW", issuedAt: "t2", rotatorId: "r" },
    );
    expect(changes).toEqual({ add: [{ Key: "rotor:key:NEW", Value: "t2 rotator=r" }], remove: ["rotor:key:OLD"] });
  });

  it("changes nothing when the mark is already there", () => {
    expect(tagChanges([{ Key: "rotor:key:NEW", Value: "t" }], ["NEW"], { accessKeyId: "NEW", issuedAt: "t" })).toEqual({ add: [], remove: [] });
  });
});
