/**
 * Schedule computation with an explicit clock: cron and intervals across daylight-saving changes in three
 * zones (both hemispheres), windows, the minimum-interval guard, and the errors people see while typing.
 */
import { describe, expect, it } from "vitest";
import {
  checkSchedule,
  inputFromSpec,
  nextSlot,
  planNextRun,
  previewRuns,
  specFromInput,
  specFromStored,
  storedFromSpec,
  validateScheduleInput,
  type ScheduleSpec,
} from "./schedule-spec";
import { wallTimeToDate } from "./zoned-time";

const HOUR = 3_600_000;
const MINUTE = 60_000;
const iso = (dates: Date[]) => dates.map((d) => d.toISOString().replace(":00.000Z", "Z"));
const cron = (expr: string, timezone: string, windowMinutes = 0): ScheduleSpec => ({ kind: "cron", cron: expr, timezone, windowMinutes });
const at = (text: string) => new Date(text);

describe("cron across daylight-saving changes", () => {
  it("Europe/Berlin: 03:00 stays 03:00 local through spring and autumn", () => {
    expect(iso(previewRuns(cron("0 3 * * *", "Europe/Berlin"), { now: at("2025-03-28T12:00Z"), count: 4 }))).toEqual([
      "2025-03-29T02:00Z", // CET (+1)
      "2025-03-30T01:00Z", // change day: CEST (+2)
      "2025-03-31T01:00Z",
      "2025-04-01T01:00Z",
    ]);
    expect(iso(previewRuns(cron("0 3 * * *", "Europe/Berlin"), { now: at("2025-10-25T12:00Z"), count: 3 }))).toEqual([
      "2025-10-26T02:00Z", // CET again
      "2025-10-27T02:00Z",
      "2025-10-28T02:00Z",
    ]);
  });

  it("Europe/Berlin: a time in the skipped hour runs once, moved forward by the gap; a repeated time runs once", () => {
    // 2025-03-30 02:00 CET → 03:00 CEST: 02:30 does not exist that day.
    expect(iso(previewRuns(cron("30 2 * * *", "Europe/Berlin"), { now: at("2025-03-29T12:00Z"), count: 2 }))).toEqual([
      "2025-03-30T01:30Z", // 03:30 CEST
      "2025-03-31T00:30Z", // 02:30 CEST
    ]);
    // 2025-10-26 03:00 CEST → 02:00 CET: 02:30 happens twice; the run is at the first.
    expect(iso(previewRuns(cron("30 2 * * *", "Europe/Berlin"), { now: at("2025-10-25T12:00Z"), count: 2 }))).toEqual([
      "2025-10-26T00:30Z", // 02:30 CEST
      "2025-10-27T01:30Z", // 02:30 CET
    ]);
  });

  it("Europe/Berlin: an hourly job follows real time (25 runs on the long day, 23 on the short one)", () => {
    const countLocalDay = (start: string, end: string) =>
      previewRuns(cron("0 * * * *", "Europe/Berlin"), { now: new Date(at(start).getTime() - 1), count: 30 }).filter((d) => d < at(end)).length;
    expect(countLocalDay("2025-10-25T22:00Z", "2025-10-26T23:00Z")).toBe(25);
    expect(countLocalDay("2025-03-29T23:00Z", "2025-03-30T22:00Z")).toBe(23);
  });

  it("America/New_York: spring forward and fall back", () => {
    // 2025-03-09 02:00 EST → 03:00 EDT
    expect(iso(previewRuns(cron("30 2 * * *", "America/New_York"), { now: at("2025-03-08T12:00Z"), count: 3 }))).toEqual([
      "2025-03-09T07:30Z", // 03:30 EDT (moved by the gap)
      "2025-03-10T06:30Z",
      "2025-03-11T06:30Z",
    ]);
    // 2025-11-02 02:00 EDT → 01:00 EST: 01:30 happens twice, the run is at the first (EDT).
    expect(iso(previewRuns(cron("30 1 * * *", "America/New_York"), { now: at("2025-11-01T12:00Z"), count: 3 }))).toEqual([
      "2025-11-02T05:30Z",
      "2025-11-03T06:30Z",
      "2025-11-04T06:30Z",
    ]);
  });

  it("Australia/Sydney: the southern hemisphere changes the other way round", () => {
    // 2025-10-05 02:00 AEST → 03:00 AEDT
    expect(iso(previewRuns(cron("30 2 * * *", "Australia/Sydney"), { now: at("2025-10-03T20:00Z"), count: 2 }))).toEqual([
      "2025-10-04T16:30Z", // 03:30 AEDT on 5 Oct
      "2025-10-05T15:30Z", // 02:30 AEDT on 6 Oct
    ]);
    // 2025-04-06 03:00 AEDT → 02:00 AEST
    expect(iso(previewRuns(cron("30 2 * * *", "Australia/Sydney"), { now: at("2025-04-05T00:00Z"), count: 2 }))).toEqual([
      "2025-04-05T15:30Z", // 02:30 AEDT (first occurrence)
      "2025-04-06T16:30Z", // 02:30 AEST
    ]);
    expect(iso(previewRuns(cron("0 9 * * 1", "Australia/Sydney"), { now: at("2025-09-28T00:00Z"), count: 2 }))).toEqual([
      "2025-09-28T23:00Z", // Monday 09:00 AEST
      "2025-10-05T22:00Z", // Monday 09:00 AEDT
    ]);
  });
});

describe("intervals", () => {
  it("every N days at HH:MM keeps the wall-clock time across a change", () => {
    const spec: ScheduleSpec = { kind: "interval", every: 1, unit: "days", at: "03:00", timezone: "Europe/Berlin", windowMinutes: 0 };
    expect(iso(previewRuns(spec, { now: at("2025-03-28T12:00Z"), count: 3 }))).toEqual(["2025-03-29T02:00Z", "2025-03-30T01:00Z", "2025-03-31T01:00Z"]);
    const monthly: ScheduleSpec = { kind: "interval", every: 30, unit: "days", at: "03:00", timezone: "America/New_York", windowMinutes: 0 };
    expect(iso(previewRuns(monthly, { now: at("2025-10-20T12:00Z"), count: 2 }))).toEqual(["2025-10-21T07:00Z", "2025-11-20T08:00Z"]);
  });

  it("every N hours is elapsed time, unaffected by the change", () => {
    const spec: ScheduleSpec = { kind: "interval", every: 12, unit: "hours", at: null, timezone: "Europe/Berlin", windowMinutes: 0 };
    expect(iso(previewRuns(spec, { now: at("2025-10-25T20:00Z"), count: 3 }))).toEqual(["2025-10-26T08:00Z", "2025-10-26T20:00Z", "2025-10-27T08:00Z"]);
  });

  it("keeps its rhythm, and after downtime plans from now instead of replaying missed steps", () => {
    const spec: ScheduleSpec = { kind: "interval", every: 6, unit: "hours", at: null, timezone: "UTC", windowMinutes: 0 };
    expect(nextSlot(spec, { after: at("2025-01-01T06:05Z"), previousSlot: at("2025-01-01T06:00Z") })).toEqual(at("2025-01-01T12:00Z"));
    expect(nextSlot(spec, { after: at("2025-01-03T00:00Z"), previousSlot: at("2025-01-01T06:00Z") })).toEqual(at("2025-01-03T06:00Z"));
  });
});

describe("wall time in a zone", () => {
  it("moves a skipped time forward by the gap and takes the first of a repeated time", () => {
    expect(wallTimeToDate({ year: 2025, month: 3, day: 30, hour: 2, minute: 30 }, "Europe/Berlin").toISOString()).toBe("2025-03-30T01:30:00.000Z");
    expect(wallTimeToDate({ year: 2025, month: 10, day: 26, hour: 2, minute: 30 }, "Europe/Berlin").toISOString()).toBe("2025-10-26T00:30:00.000Z");
    expect(wallTimeToDate({ year: 2025, month: 7, day: 1, hour: 12, minute: 0 }, "Australia/Sydney").toISOString()).toBe("2025-07-01T02:00:00.000Z");
  });
});

describe("windows", () => {
  it("starts at a random moment within the window after the slot", () => {
    const spec = cron("0 3 * * *", "UTC", 120);
    const now = at("2025-01-01T12:00Z");
    const plan = (r: number) => planNextRun(spec, { now, minIntervalMs: HOUR, random: () => r })!;
    expect(plan(0)).toEqual({ slotAt: at("2025-01-02T03:00Z"), runAt: at("2025-01-02T03:00Z") });
    expect(plan(0.5).runAt).toEqual(at("2025-01-02T04:00Z"));
    expect(plan(0.9999).runAt.getTime()).toBeLessThan(at("2025-01-02T05:00Z").getTime());
  });

  it("refuses a window that could bring two runs closer than the minimum interval", () => {
    const now = at("2025-01-01T00:00Z");
    expect(() => checkSchedule(cron("0 */6 * * *", "UTC", 6 * 60 - 30), { now, minIntervalMs: HOUR })).toThrow(/window can be at most 300 minutes/);
    expect(() => checkSchedule(cron("0 */6 * * *", "UTC", 300), { now, minIntervalMs: HOUR })).not.toThrow();
  });
});

describe("minimum-interval guard", () => {
  const now = at("2025-01-01T00:00Z");

  it("refuses schedules that run more often than the minimum", () => {
    expect(() => checkSchedule(cron("*/5 * * * *", "UTC"), { now, minIntervalMs: HOUR })).toThrow(
      /Runs would be 5 minutes apart \(2025-01-01 00:05 and 2025-01-01 00:10\); rotations must be at least 60 minutes apart/,
    );
    expect(() => checkSchedule(cron("0 0,23 * * *", "UTC"), { now, minIntervalMs: HOUR })).not.toThrow();
    expect(() => checkSchedule(cron("0 0,23 * * *", "UTC"), { now, minIntervalMs: 90 * MINUTE })).toThrow(/60 minutes apart/);
    const hourly: ScheduleSpec = { kind: "interval", every: 1, unit: "hours", at: null, timezone: "UTC", windowMinutes: 0 };
    expect(() => checkSchedule(hourly, { now, minIntervalMs: 2 * HOUR })).toThrow(/at least 2 hours apart/);
  });

  it("counts a daylight-saving day as a whole day, so a daily run passes a 24-hour minimum", () => {
    expect(() => checkSchedule(cron("0 3 * * *", "Europe/Berlin"), { now: at("2025-03-20T00:00Z"), minIntervalMs: 24 * HOUR })).not.toThrow();
  });

  it("never plans a run closer than the minimum to the last one: it skips to a later slot", () => {
    const spec = cron("0 * * * *", "UTC");
    // A catch-up run started at 10:20; 11:00 would be 40 minutes later, so the next run is at 12:00.
    const plan = planNextRun(spec, { now: at("2025-01-01T10:20Z"), lastRunAt: at("2025-01-01T10:20Z"), minIntervalMs: HOUR })!;
    expect(plan.slotAt).toEqual(at("2025-01-01T12:00Z"));
  });

  it("after downtime plans one run after now, not one per missed slot", () => {
    const spec = cron("0 3 * * *", "UTC");
    const plan = planNextRun(spec, { now: at("2025-01-10T08:00Z"), previousSlot: at("2025-01-02T03:00Z"), lastRunAt: at("2025-01-10T08:00Z"), minIntervalMs: HOUR })!;
    expect(plan.slotAt).toEqual(at("2025-01-11T03:00Z"));
  });
});

describe("clear errors while typing", () => {
  const now = at("2025-01-01T00:00Z");
  const check = (input: Parameters<typeof validateScheduleInput>[0]) => validateScheduleInput(input, { now, minIntervalMs: HOUR });

  it.each([
    ["", /Enter a cron expression/],
    ["bogus", /five fields, this one has 1/],
    ["61 * * * *", /Invalid cron expression: 61 is out of range \(0-59\)/],
    ["0 25 * * *", /25 is out of range \(0-23\)/],
    ["0 3 * * xyz", /"xyz" is not a number or a day\/month name/],
    ["0 0 30 2 *", /Invalid cron expression/],
    ["0 0 3 * * *", /Seconds are not supported/],
    ["@every 5m", /Unknown shortcut/],
  ])("cron %j", (expr, message) => {
    const result = check({ kind: "cron", cron: expr, timezone: "UTC" });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.field).toBe("cron");
      expect(result.error).toMatch(message);
    }
  });

  it.each(["Mars/Olympus_Mons", "Europe/Berln", "+02:00", "not a zone"])("time zone %j", (timezone) => {
    const result = check({ kind: "cron", cron: "0 3 * * *", timezone });
    expect(result).toMatchObject({ ok: false, field: "timezone" });
    if (!result.ok) expect(result.error).toMatch(/Unknown time zone .* Use an IANA name such as Europe\/Berlin/);
  });

  it("an empty time zone is refused, not taken as UTC; a missing one is UTC", () => {
    for (const timezone of ["", "  "]) {
      expect(check({ kind: "cron", cron: "0 3 * * *", timezone })).toMatchObject({ ok: false, field: "timezone", error: expect.stringMatching(/^Choose a time zone/) });
    }
    expect(specFromInput({ kind: "cron", cron: "0 3 * * *" })).toMatchObject({ timezone: "UTC" });
  });

  it("interval and one-off fields", () => {
    expect(check({ kind: "interval", every: "0", unit: "days", at: "03:00" })).toMatchObject({ ok: false, field: "every" });
    expect(check({ kind: "interval", every: "2", unit: "days", at: "25:00" })).toMatchObject({ ok: false, field: "at" });
    expect(check({ kind: "once", runAt: "2024-12-31T23:00", timezone: "UTC" })).toMatchObject({ ok: false, field: "runAt", error: "Pick a time in the future." });
    expect(check({ kind: "once", runAt: "2025-02-30T03:00", timezone: "UTC" })).toMatchObject({ ok: false, field: "runAt" });
    expect(check({ kind: "cron", cron: "0 3 * * *", windowMinutes: "-5" })).toMatchObject({ ok: false, field: "windowMinutes" });
  });

  it("accepts good input and previews the next runs", () => {
    const result = check({ kind: "cron", cron: "  0  3 * * 1-5 ", timezone: "europe/berlin" });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.spec).toEqual({ kind: "cron", cron: "0 3 * * 1-5", timezone: "Europe/Berlin", windowMinutes: 0 });
      expect(iso(result.nextRuns)).toEqual(["2025-01-01T02:00Z", "2025-01-02T02:00Z", "2025-01-03T02:00Z", "2025-01-06T02:00Z", "2025-01-07T02:00Z"]);
    }
    const once = check({ kind: "once", runAt: "2025-03-30T02:30", timezone: "Europe/Berlin" });
    expect(once.ok && iso(once.nextRuns)).toEqual(["2025-03-30T01:30Z"]);
    expect(check({ kind: "cron", cron: "@daily", timezone: "UTC" })).toMatchObject({ ok: true, spec: { cron: "0 0 * * *" } });
  });

  it("a one-off schedule runs once", () => {
    const spec = specFromInput({ kind: "once", runAt: "2025-01-02T03:00", timezone: "UTC" });
    expect(nextSlot(spec, { after: now })).toEqual(at("2025-01-02T03:00Z"));
    expect(planNextRun(spec, { now: at("2025-01-02T03:00:05Z"), previousSlot: at("2025-01-02T03:00Z"), minIntervalMs: HOUR })).toBeNull();
  });
});

describe("stored form", () => {
  it.each<ScheduleSpec>([
    { kind: "cron", cron: "0 3 * * *", timezone: "Europe/Berlin", windowMinutes: 30 },
    { kind: "interval", every: 30, unit: "days", at: "03:00", timezone: "Europe/Berlin", windowMinutes: 0 },
    { kind: "interval", every: 12, unit: "hours", at: null, timezone: "UTC", windowMinutes: 10 },
    { kind: "once", runAt: at("2030-01-01T03:00Z"), timezone: "Asia/Tokyo", windowMinutes: 0 },
  ])("round-trips $kind through the columns and the editor input", (spec) => {
    expect(specFromStored(storedFromSpec(spec))).toEqual(spec);
    expect(specFromInput(inputFromSpec(spec))).toEqual(spec);
  });
});
