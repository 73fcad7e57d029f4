import { describe, expect, it, vi } from "vitest";
import { createHeapCompactor } from "./heap-compaction";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createHeapCompactor", () => {
  it("collects twice once the bursts are over, not once per burst", async () => {
    const at: number[] = [];
    const start = Date.now();
    const compactor = createHeapCompactor({ gc: () => at.push(Date.now() - start), delayMs: 200 });
    compactor.afterBurst();
    await sleep(20);
    const secondBurst = Date.now() - start;
    compactor.afterBurst(); // postpones the first burst's compaction instead of adding one
    await vi.waitFor(() => expect(at).toHaveLength(2), { timeout: 5_000, interval: 50 });
    await sleep(500);
    expect(at).toHaveLength(2);
    // Timers fire late under load, never more than ~1 ms early.
    expect(at[0]).toBeGreaterThanOrEqual(secondBurst + 195);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(995);
  });
});
