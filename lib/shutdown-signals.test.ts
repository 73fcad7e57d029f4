import { afterEach, describe, expect, it } from "vitest";
import { onShutdownSignals, REPEAT_WINDOW_MS } from "./shutdown-signals";

describe("onShutdownSignals", () => {
  let remove: (() => void) | undefined;
  afterEach(() => remove?.());

  it("treats copies of the signal within the window as the same request, and a later one as force", () => {
    let now = 1_000;
    const seen: string[] = [];
    remove = onShutdownSignals({
      now: () => now,
      onFirst: (s) => seen.push(`first ${s}`),
      onRepeat: (s) => seen.push(`repeat ${s}`),
      onForce: (s) => seen.push(`force ${s}`),
    });
    process.emit("SIGTERM", "SIGTERM");
    now += 50;
    process.emit("SIGTERM", "SIGTERM"); // npm's forwarded copy
    now += 100;
    process.emit("SIGINT", "SIGINT"); // Ctrl-C reaches the group: still the same request
    expect(seen).toEqual(["first SIGTERM", "repeat SIGTERM", "repeat SIGINT"]);
    now += REPEAT_WINDOW_MS;
    process.emit("SIGINT", "SIGINT");
    expect(seen.at(-1)).toBe("force SIGINT");
  });
});
