/**
 * A real program for the `rotor run` tests: it appends one JSON line per event to the file named by
 * CHILD_LOG — `start` (with its pid and the variables named in CHILD_VARS), each signal it receives, `exit` —
 * with the content of $ROTOR_ENV_FILE when there is one — and keeps running until SIGTERM (or forever with CHILD_IGNORE_TERM=1, to exercise SIGKILL after the grace
 * period). CHILD_EXIT_AFTER_MS=n exits by itself with CHILD_EXIT_CODE after n ms.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const CHILD_PROGRAM = `
const fs = require("node:fs");
const log = (event) => fs.appendFileSync(process.env.CHILD_LOG, JSON.stringify({ pid: process.pid, t: Date.now(), ...event }) + "\\n");
const vars = Object.fromEntries((process.env.CHILD_VARS || "").split(",").filter(Boolean).map((k) => [k, process.env[k] ?? null]));
const envFile = () => (process.env.ROTOR_ENV_FILE ? fs.readFileSync(process.env.ROTOR_ENV_FILE, "utf8") : undefined);
// The handlers first, then "start": tests signal the child as soon as they see "start", and a signal that
// came before its handler would end the child (the default action) instead of being recorded.
for (const signal of ["SIGHUP", "SIGUSR1", "SIGUSR2", "SIGINT"]) process.on(signal, () => log({ event: "signal", signal, envFile: envFile() }));
process.on("SIGTERM", () => {
  log({ event: "signal", signal: "SIGTERM" });
  if (process.env.CHILD_IGNORE_TERM === "1") return;
  log({ event: "exit" });
  process.exit(0);
});
log({ event: "start", vars, envFile: envFile() });
if (process.env.CHILD_EXIT_AFTER_MS) setTimeout(() => { log({ event: "exit" }); process.exit(Number(process.env.CHILD_EXIT_CODE || 0)); }, Number(process.env.CHILD_EXIT_AFTER_MS));
setInterval(() => {}, 1000);
`;

export interface ChildEvent {
  pid: number;
  t: number;
  event: "start" | "signal" | "exit";
  vars?: Record<string, string | null>;
  signal?: string;
  envFile?: string;
}

export interface ChildFixture {
  dir: string;
  script: string;
  logFile: string;
  events(): ChildEvent[];
  starts(): ChildEvent[];
  /** Resolves when `predicate` holds for the events (polling), or rejects after `timeoutMs`. */
  waitFor(predicate: (events: ChildEvent[]) => boolean, timeoutMs?: number): Promise<ChildEvent[]>;
  cleanup(): void;
}

export function childFixture(): ChildFixture {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-cli-child-"));
  const script = path.join(dir, "child.cjs");
  const logFile = path.join(dir, "events.jsonl");
  fs.writeFileSync(script, CHILD_PROGRAM);
  const events = () =>
    fs.existsSync(logFile)
      ? fs.readFileSync(logFile, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as ChildEvent)
      : [];
  return {
    dir,
    script,
    logFile,
    events,
    starts: () => events().filter((e) => e.event === "start"),
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = events();
        if (predicate(current)) return current;
        if (Date.now() > deadline) throw new Error(`child events did not match in ${timeoutMs} ms: ${JSON.stringify(current)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
