import { describe, expect, it } from "vitest";
import { parseDuration, parseRevision, parseSignal } from "./arguments";

describe("option values", () => {
  it("durations take units; a bare number is seconds", () => {
    expect(["30s", "500ms", "2m", "1h", "90d", "0", "2.5"].map(parseDuration)).toEqual([30_000, 500, 120_000, 3_600_000, 7_776_000_000, 0, 2500]);
    expect(() => parseDuration("soon")).toThrow('"soon" is not a duration: use e.g. 30s, 500ms, 2m or 1h.');
    expect(() => parseDuration("-5s")).toThrow(/not a duration/);
  });

  it("signals by any usual spelling, but not the ones a program cannot handle", () => {
    expect(["HUP", "sighup", "SIGUSR2"].map(parseSignal)).toEqual(["SIGHUP", "SIGHUP", "SIGUSR2"]);
    expect(() => parseSignal("KILL")).toThrow(/not a signal a program can handle/);
    expect(() => parseSignal("SIGNOPE")).toThrow(/not a signal a program can handle/);
  });

  it("revisions are whole numbers from 1", () => {
    expect(parseRevision("14")).toBe(14);
    expect(() => parseRevision("0")).toThrow(/not a revision number/);
    expect(() => parseRevision("1.5")).toThrow(/not a revision number/);
  });
});
