import { describe, expect, it } from "vitest";
import { ADVISORY_LOCKS } from "./advisory-locks";

describe("advisory locks", () => {
  it("every lock has its own key, so unrelated work never waits for each other", () => {
    const keys = Object.values(ADVISORY_LOCKS);
    const shared = keys.filter((key, i) => keys.indexOf(key) !== i);
    expect(shared).toEqual([]);
  });
});
