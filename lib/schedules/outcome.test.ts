/** The retry bookkeeping of a finished scheduled run, with an explicit clock and a fixed random source. */
import { describe, expect, it } from "vitest";
import type { Schedule } from "../db/schema";
import { finishPatch, runKindOf, type FinishInput } from "./outcome";

const HOUR = 3_600_000;
const now = new Date("2025-06-01T03:00:10Z");
const retry = { maxRetries: 2, baseDelayMs: 60_000, maxDelayMs: 10 * 60_000 };

function schedule(overrides: Partial<Schedule> = {}): Schedule {
  return {
    id: "s",
    rotatorId: "r1",
    environmentId: null,
    kind: "cron",
    cron: "0 3 * * *",
    timezone: "UTC",
    intervalSeconds: null,
    intervalAt: null,
    runAt: null,
    windowMinutes: 0,
    paused: false,
    nextRunAt: new Date("2025-06-01T03:00:00Z"),
    nextSlotAt: new Date("2025-06-01T03:00:00Z"),
    lastRunAt: null,
    lastOutcome: null,
    retryCount: 0,
    nextRetryAt: null,
    retryRotatorIds: null,
    overdueNotifiedAt: new Date("2025-06-01T02:00:00Z"),
    leaseOwner: "me",
    leaseExpiresAt: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

const input = (overrides: Partial<FinishInput>): FinishInput => ({
  kind: "regular",
  claimedAt: now,
  now,
  results: [],
  interrupted: false,
  minIntervalMs: HOUR,
  retry,
  busyDelayMs: 30_000,
  random: () => 0,
  ...overrides,
});

describe("finishing a scheduled run", () => {
  it("a success plans the next slot and clears retries and the overdue mark", () => {
    expect(finishPatch(schedule(), input({ results: [{ rotatorId: "r1", status: "succeeded" }] }))).toEqual({
      overdueNotifiedAt: null,
      nextRunAt: new Date("2025-06-02T03:00:00Z"),
      nextSlotAt: new Date("2025-06-02T03:00:00Z"),
      lastRunAt: now,
      lastOutcome: "succeeded",
      retryCount: 0,
      nextRetryAt: null,
      retryRotatorIds: null,
    });
  });

  it("a failure plans retry 1 after the backoff; the last retry's failure clears the bookkeeping", () => {
    const first = finishPatch(schedule(), input({ results: [{ rotatorId: "r1", status: "failed" }] }));
    expect(first).toMatchObject({ lastOutcome: "failed", retryCount: 1, nextRetryAt: new Date(now.getTime() + 30_000), nextSlotAt: new Date("2025-06-02T03:00:00Z") });
    const second = finishPatch(schedule({ retryCount: 1, nextRetryAt: now }), input({ kind: "retry", results: [{ rotatorId: "r1", status: "failed" }] }));
    expect(second).toMatchObject({ retryCount: 2, nextRetryAt: new Date(now.getTime() + 60_000) });
    expect(second).not.toHaveProperty("nextRunAt"); // a retry leaves the regular schedule alone
    expect(finishPatch(schedule({ retryCount: 2, nextRetryAt: now }), input({ kind: "retry", results: [{ rotatorId: "r1", status: "failed" }] }))).toMatchObject({
      retryCount: 0,
      nextRetryAt: null,
    });
  });

  it("an environment schedule retries only the rotators that failed", () => {
    const env = schedule({ rotatorId: null, environmentId: "e" });
    const patch = finishPatch(
      env,
      input({
        results: [
          { rotatorId: "a", status: "succeeded" },
          { rotatorId: "b", status: "failed" },
          { rotatorId: "c", status: "skipped" },
          { rotatorId: "d", status: "failed" },
        ],
      }),
    );
    expect(patch).toMatchObject({ lastOutcome: "partial", retryCount: 1, retryRotatorIds: ["b", "d"] });
  });

  it("a failure that a retry cannot help (a missing privilege, bad inputs) is not retried", () => {
    const patch = finishPatch(schedule(), input({ results: [{ rotatorId: "r1", status: "failed", retryable: false }] }));
    expect(patch).toMatchObject({ lastOutcome: "failed", retryCount: 0, nextRetryAt: null, retryRotatorIds: null });
    const env = schedule({ rotatorId: null, environmentId: "e" });
    const mixed = finishPatch(
      env,
      input({
        results: [
          { rotatorId: "a", status: "failed", retryable: false },
          { rotatorId: "b", status: "failed", retryable: true },
        ],
      }),
    );
    expect(mixed).toMatchObject({ lastOutcome: "failed", retryCount: 1, retryRotatorIds: ["b"] });
  });

  it("a rotator busy with someone else's rotation puts the run off instead of counting it", () => {
    expect(finishPatch(schedule(), input({ results: [{ rotatorId: "r1", status: "busy" }] }))).toEqual({ overdueNotifiedAt: null, nextRunAt: new Date(now.getTime() + 30_000) });
    expect(finishPatch(schedule({ retryCount: 1, nextRetryAt: now }), input({ kind: "retry", results: [{ rotatorId: "r1", status: "busy" }] }))).toMatchObject({
      nextRetryAt: new Date(now.getTime() + 30_000),
      lastOutcome: "skipped",
    });
  });

  it("a run cut short by shutdown changes nothing, so the schedule stays due", () => {
    expect(finishPatch(schedule(), input({ interrupted: true, results: [{ rotatorId: "a", status: "succeeded" }] }))).toEqual({});
  });

  it("a one-off schedule has no next run; no retries when maxRetries is 0", () => {
    const once = schedule({ kind: "once", cron: null, runAt: new Date("2025-06-01T03:00:00Z") });
    expect(finishPatch(once, input({ results: [{ rotatorId: "r1", status: "failed" }], retry: { ...retry, maxRetries: 0 } }))).toMatchObject({
      nextRunAt: null,
      nextSlotAt: null,
      retryCount: 0,
      nextRetryAt: null,
    });
  });

  it("runs the retry when it is due no later than the regular run", () => {
    expect(runKindOf({ nextRunAt: new Date(2), nextRetryAt: new Date(1) })).toBe("retry");
    expect(runKindOf({ nextRunAt: new Date(1), nextRetryAt: new Date(2) })).toBe("regular");
    expect(runKindOf({ nextRunAt: null, nextRetryAt: new Date(1) })).toBe("retry");
    expect(runKindOf({ nextRunAt: new Date(1), nextRetryAt: null })).toBe("regular");
  });
});
