import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { childFixture, type ChildFixture } from "../../test/support/child-program";
import { exitCodeOf, Supervisor } from "./supervisor";

let child: ChildFixture;
const logs: string[] = [];

beforeEach(() => {
  child = childFixture();
  logs.length = 0;
});
afterEach(() => child.cleanup());

function supervisor(env: Record<string, string> = {}, graceMs = 2000) {
  return new Supervisor({
    command: process.execPath,
    args: [child.script],
    baseEnv: { ...process.env, CHILD_LOG: child.logFile, CHILD_VARS: "DB_USER,DB_PASSWORD,KEEP", KEEP: "from-parent", ...env },
    graceMs,
    log: (line) => logs.push(line),
  });
}

describe("Supervisor (real child processes)", () => {
  it("starts the command with the variables added to its environment", async () => {
    const s = supervisor();
    await s.start({ DB_USER: "app_a", DB_PASSWORD: "pw-1" });
    const [start] = await child.waitFor((e) => e.length >= 1);
    expect(start.vars).toEqual({ DB_USER: "app_a", DB_PASSWORD: "pw-1", KEEP: "from-parent" });
    expect(start.pid).toBe(s.pid);
    await s.stop();
  });

  it("passes the command's own exit code through, and 128+N for a signal", async () => {
    const s = supervisor({ CHILD_EXIT_AFTER_MS: "50", CHILD_EXIT_CODE: "42" });
    await s.start({});
    const exit = await s.finished;
    expect(exit).toEqual({ code: 42, signal: null });
    expect(exitCodeOf(exit)).toBe(42);
    expect(exitCodeOf({ code: null, signal: "SIGKILL" })).toBe(137);
    expect(exitCodeOf({ code: null, signal: "SIGTERM" })).toBe(143);
  });

  it("restarts gracefully: SIGTERM to the old child, the new one gets the new values, rotor run does not end", async () => {
    const s = supervisor();
    await s.start({ DB_USER: "app_a", DB_PASSWORD: "pw-1" });
    const first = s.pid;
    await child.waitFor((e) => e.length >= 1);
    let finished = false;
    void s.finished.then(() => (finished = true));
    await s.restart({ DB_USER: "app_b", DB_PASSWORD: "pw-2" });
    const events = await child.waitFor((e) => e.filter((x) => x.event === "start").length === 2);
    expect(events.map((e) => [e.pid === first ? "old" : "new", e.event, e.signal ?? ""])).toEqual([
      ["old", "start", ""],
      ["old", "signal", "SIGTERM"],
      ["old", "exit", ""],
      ["new", "start", ""],
    ]);
    expect(child.starts()[1].vars).toMatchObject({ DB_USER: "app_b", DB_PASSWORD: "pw-2" });
    // The old child was gone before the new one started: never two at once.
    const oldExit = events.find((e) => e.pid === first && e.event === "exit")!;
    expect(child.starts()[1].t).toBeGreaterThanOrEqual(oldExit.t);
    expect(finished).toBe(false);
    await s.stop();
  });

  it("kills a child that ignores SIGTERM once the grace period is over", async () => {
    const s = supervisor({ CHILD_IGNORE_TERM: "1" }, 300);
    await s.start({});
    await child.waitFor((e) => e.length >= 1);
    const started = Date.now();
    const exit = await s.stop();
    expect(exit).toEqual({ code: null, signal: "SIGKILL" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(child.events().map((e) => e.signal ?? e.event)).toEqual(["start", "SIGTERM"]);
    expect(logs.join("\n")).toMatch(/did not exit within 0.3 s of SIGTERM: sending SIGKILL/);
  });

  it("signals the child instead of restarting it", async () => {
    const s = supervisor();
    await s.start({});
    await child.waitFor((e) => e.length >= 1);
    expect(s.signal("SIGHUP")).toBe(true);
    await child.waitFor((e) => e.some((x) => x.signal === "SIGHUP"));
    expect(child.starts()).toHaveLength(1);
    await s.stop();
  });

  it("reports a command that does not exist like a shell (127), before anything runs", async () => {
    const s = new Supervisor({ command: "rotor-test-no-such-command", args: [], baseEnv: process.env, graceMs: 100, log: () => {} });
    await expect(s.start({})).rejects.toMatchObject({ exitCode: 127, message: expect.stringContaining("command not found") });
  });

  it("shutdown passes the signal on and ends with the child's exit", async () => {
    const s = supervisor();
    await s.start({});
    await child.waitFor((e) => e.length >= 1);
    s.shutdown("SIGTERM");
    expect(await s.finished).toEqual({ code: 0, signal: null });
    expect(child.events().map((e) => e.signal ?? e.event)).toEqual(["start", "SIGTERM", "exit"]);
  });

  it("a shutdown during a restart starts nothing new and ends with the stopped child's exit", async () => {
    const s = supervisor({ CHILD_IGNORE_TERM: "1" }, 300);
    await s.start({ DB_USER: "app_a" });
    await child.waitFor((e) => e.length >= 1);
    const restart = s.restart({ DB_USER: "app_b" });
    await child.waitFor((e) => e.some((x) => x.signal === "SIGTERM"));
    s.shutdown("SIGINT");
    await restart;
    expect(await s.finished).toEqual({ code: null, signal: "SIGKILL" });
    expect(child.starts()).toHaveLength(1);
  });
});
