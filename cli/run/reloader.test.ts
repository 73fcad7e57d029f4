import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OpenedEnvironment } from "../api-types";
import { childFixture, type ChildFixture } from "../../test/support/child-program";
import { Reloader, retiredRotators, type ReloaderOptions } from "./reloader";
import { Supervisor } from "./supervisor";

/**
 * The two-user strategy as documents: rotation k makes password k current on user k%2 and leaves rotation
 * k-1's as previous.
 */
function doc(revision: number, rotation: number, extra: Partial<OpenedEnvironment> = {}, previousValidUntil: string | null = null): OpenedEnvironment {
  const credential = (k: number) => (k < 1 ? null : { username: k % 2 ? "app_a" : "app_b", password: `pw-${k}` });
  const current = credential(rotation)!;
  return {
    environment: "prod",
    revision,
    values: {},
    rotators: {
      db: { type: "postgres", current, previous: credential(rotation - 1), rotatedAt: null, nextRotationAt: null, previousValidUntil },
    },
    exports: { DB_USER: current.username, DB_PASSWORD: current.password },
    ...extra,
  };
}

interface Applied {
  revision: number;
  at: number;
  concurrent: boolean;
}

function recorder(options: Partial<ReloaderOptions> & { applyMs?: number } = {}) {
  const applied: Applied[] = [];
  const logs: string[] = [];
  let inFlight = 0;
  const reloader = new Reloader({
    running: doc(1, 1),
    jitterMs: 200,
    graceMs: 0,
    random: () => 0.5,
    log: (line) => logs.push(line),
    onFatal: (error) => logs.push(`fatal: ${(error as Error).message}`),
    apply: async (d) => {
      inFlight += 1;
      applied.push({ revision: d.revision, at: Date.now(), concurrent: inFlight > 1 });
      await new Promise((r) => setTimeout(r, options.applyMs ?? 0));
      inFlight -= 1;
    },
    ...options,
  });
  return { reloader, applied, logs };
}

describe("Reloader: when the child picks up a revision", () => {
  it("does nothing for a revision that leaves the exported variables as they are", async () => {
    const { reloader, applied, logs } = recorder();
    reloader.offer(doc(2, 1, { values: { region: "eu" } }));
    await reloader.idle();
    expect(applied).toEqual([]);
    expect(reloader.runningRevision).toBe(2);
    expect(logs.join("\n")).toMatch(/revision 2: the exported variables did not change/);
  });

  it("reloads after the jitter delay (random within --jitter)", async () => {
    const { reloader, applied } = recorder({ jitterMs: 400, random: () => 0.5 });
    const offered = Date.now();
    reloader.offer(doc(2, 2));
    await reloader.idle();
    expect(applied.map((a) => a.revision)).toEqual([2]);
    expect(applied[0].at - offered).toBeGreaterThanOrEqual(190);
    expect(applied[0].at - offered).toBeLessThan(400);
  });

  it("a revision that lands while the restart waits in its jitter is picked up by that restart (newest wins)", async () => {
    const { reloader, applied, logs } = recorder({ jitterMs: 400, random: () => 0.75 });
    const offered = Date.now();
    reloader.offer(doc(2, 2));
    await new Promise((r) => setTimeout(r, 50));
    reloader.offer(doc(3, 2, { values: { note: "unrelated" } })); // same credential, later revision
    await reloader.idle();
    expect(applied.map((a) => a.revision)).toEqual([3]);
    // It kept the first deadline rather than starting a new jitter.
    expect(applied[0].at - offered).toBeLessThan(400);
    expect(logs.join("\n")).toMatch(/revision 3 arrived while a restart is under way/);
  });

  it("restarts are serialized: a revision during a restart leads to one more restart after it, never two at once", async () => {
    const { reloader, applied } = recorder({ jitterMs: 0, applyMs: 150 });
    reloader.offer(doc(2, 2));
    await new Promise((r) => setTimeout(r, 50)); // restart to revision 2 in progress
    reloader.offer(doc(3, 2, { exports: { DB_USER: "app_b", DB_PASSWORD: "pw-2", EXTRA: "x" } }));
    reloader.offer(doc(4, 2, { exports: { DB_USER: "app_b", DB_PASSWORD: "pw-2", EXTRA: "y" } }));
    await reloader.idle();
    expect(applied.map((a) => a.revision)).toEqual([2, 4]);
    expect(applied.some((a) => a.concurrent)).toBe(false);
  });

  it("skips the rest of the jitter when the child's credential has been retired (two rotations before it moved)", async () => {
    const { reloader, applied, logs } = recorder({ jitterMs: 5000, random: () => 0.99 });
    const offered = Date.now();
    reloader.offer(doc(2, 2)); // child on pw-1, now previous: still valid, restart planned within 5 s
    await new Promise((r) => setTimeout(r, 30));
    reloader.offer(doc(3, 3)); // pw-1's user got pw-3: the child's credential no longer works
    await reloader.idle();
    expect(applied.map((a) => a.revision)).toEqual([3]);
    expect(applied[0].at - offered).toBeLessThan(1000);
    expect(logs.join("\n")).toMatch(/credential of db .*retired; restarting now/);
  });

  it("never plans a restart later than previousValidUntil minus the grace period", async () => {
    const validUntil = new Date(Date.now() + 1200).toISOString();
    const { reloader, applied } = recorder({ jitterMs: 60_000, random: () => 0.99, graceMs: 1000 });
    const offered = Date.now();
    reloader.offer(doc(2, 2, {}, validUntil));
    await reloader.idle();
    expect(applied).toHaveLength(1);
    expect(applied[0].at - offered).toBeLessThan(600);
  });

  it("ignores revisions it already has, and stops planning once closed", async () => {
    const { reloader, applied } = recorder({ jitterMs: 100 });
    reloader.offer(doc(1, 2));
    reloader.offer(doc(2, 2));
    reloader.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(applied).toEqual([]);
  });

  it("a failed restart is fatal (the command could not be started again)", async () => {
    const { reloader, logs } = recorder({
      jitterMs: 0,
      apply: async () => {
        throw new Error("Cannot run x: command not found");
      },
    });
    reloader.offer(doc(2, 2));
    await reloader.idle();
    expect(logs).toContain("fatal: Cannot run x: command not found");
  });

  it("retiredRotators compares the held credential with the new current and previous", () => {
    expect(retiredRotators(doc(1, 1), doc(2, 2))).toEqual([]);
    expect(retiredRotators(doc(1, 1), doc(3, 3))).toEqual(["db"]);
    expect(retiredRotators(doc(2, 2), doc(3, 3))).toEqual([]);
  });
});

describe("Reloader with the real Supervisor", () => {
  let child: ChildFixture;
  beforeEach(() => (child = childFixture()));
  afterEach(() => child.cleanup());

  it("three quick revisions end with the child on the newest values, restarted at most twice", async () => {
    const supervisor = new Supervisor({
      command: process.execPath,
      args: [child.script],
      baseEnv: { ...process.env, CHILD_LOG: child.logFile, CHILD_VARS: "DB_USER,DB_PASSWORD" },
      graceMs: 2000,
      log: () => {},
    });
    const first = doc(1, 1);
    await supervisor.start(first.exports);
    const reloader = new Reloader({
      running: first,
      jitterMs: 150,
      graceMs: 0,
      log: () => {},
      onFatal: (error) => {
        throw error;
      },
      apply: (d) => supervisor.restart(d.exports),
    });
    reloader.offer(doc(2, 2));
    reloader.offer(doc(3, 2, { values: { x: "1" } }));
    await new Promise((r) => setTimeout(r, 20));
    reloader.offer(doc(4, 2, { exports: { DB_USER: "app_b", DB_PASSWORD: "pw-2", POOL: "10" } }));
    await reloader.idle();
    await child.waitFor((e) => e.some((x) => x.event === "start" && x.pid === supervisor.pid));
    const starts = child.starts();
    expect(starts.at(-1)!.vars).toEqual({ DB_USER: "app_b", DB_PASSWORD: "pw-2" });
    expect(starts.length).toBeLessThanOrEqual(3);
    // Never two children at once: each start comes after the previous child's exit.
    const events = child.events();
    for (const start of starts.slice(1)) {
      const before = events.slice(0, events.indexOf(events.find((e) => e.pid === start.pid)!));
      const alive = new Set(before.filter((e) => e.event === "start").map((e) => e.pid));
      for (const e of before) if (e.event === "exit") alive.delete(e.pid);
      expect(alive.size).toBe(0);
    }
    await supervisor.stop();
  });
});
