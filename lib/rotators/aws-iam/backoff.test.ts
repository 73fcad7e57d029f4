import { describe, expect, it } from "vitest";
import { backoffDelays, waitWithBackoff } from "./backoff";

function virtualClock() {
  let t = 0;
  const sleeps: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)), sleeps, at: () => t };
}

describe("backoff", () => {
  it("grows exponentially up to the cap", () => {
    const it = backoffDelays({ initialDelayMs: 500, maxDelayMs: 3000, multiplier: 2 });
    expect(Array.from({ length: 6 }, () => it.next().value)).toEqual([500, 1000, 2000, 3000, 3000, 3000]);
  });

  it("stops as soon as the attempt succeeds", async () => {
    const clock = virtualClock();
    let n = 0;
    const result = await waitWithBackoff({
      attempt: async () => (++n === 3 ? { done: true, value: "ok" } : { done: false, reason: "InvalidClientTokenId" }),
      timeoutMs: 60_000,
      backoff: { initialDelayMs: 1000, maxDelayMs: 8000, multiplier: 2 },
      ...clock,
    });
    expect(result).toEqual({ ok: true, value: "ok", attempts: 3, waitedMs: 3000 });
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it("makes a last attempt exactly at the deadline, then gives up", async () => {
    const clock = virtualClock();
    const result = await waitWithBackoff({
      attempt: async () => ({ done: false, reason: "InvalidClientTokenId" }),
      timeoutMs: 10_000,
      backoff: { initialDelayMs: 1000, maxDelayMs: 8000, multiplier: 2 },
      ...clock,
    });
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 3000]);
    expect(result).toEqual({ ok: false, attempts: 5, waitedMs: 10_000, lastReason: "InvalidClientTokenId" });
  });

  it("stops when aborted", async () => {
    const clock = virtualClock();
    const controller = new AbortController();
    const run = waitWithBackoff({
      attempt: async () => {
        controller.abort(new Error("cancelled"));
        return { done: false, reason: "x" };
      },
      timeoutMs: 10_000,
      backoff: { initialDelayMs: 1000, maxDelayMs: 8000, multiplier: 2 },
      ...clock,
      signal: controller.signal,
    });
    await expect(run).rejects.toThrow("cancelled");
  });
});
