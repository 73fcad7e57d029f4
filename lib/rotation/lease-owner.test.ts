import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { pidIsAlive } from "./lease-owner";

describe("pidIsAlive (is the process that wrote a lease still running?)", () => {
  it("a running process is alive; a gone one is not", async () => {
    expect(pidIsAlive(process.pid)).toBe(true);
    const child = spawn("true");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(pidIsAlive(child.pid!)).toBe(false);
  });

  it.skipIf(process.platform !== "linux")("an exited process nobody reaped (a zombie) is not alive", async () => {
    // `sleep 0` exits at once; its parent has become `sleep 5`, which never reaps it: a zombie for 5 s, as a
    // SIGKILLed worker is under an init that does not reap.
    const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 5"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout!.once("data", (c) => resolve(String(c).trim()))));
      await new Promise((r) => setTimeout(r, 300));
      expect(() => process.kill(pid, 0)).not.toThrow(); // the kernel still lists it ...
      expect(pidIsAlive(pid)).toBe(false); // ... but it runs nothing
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
