/**
 * Runs the built `rotor` CLI (dist/rotor.mjs, as users get it) as a child process, for the CLI tests:
 *
 *   const cli = buildCli();                    // bundles cli/ into a temporary directory (~1 s)
 *   const r = await cli.run(["env", "ls"], { env: { ROTOR_URL, ROTOR_TOKEN }, input: "…" });
 *   r.code / r.stdout / r.stderr
 *
 * Every run gets a scrubbed environment: its own HOME and XDG_CONFIG_HOME (a temporary directory, so no
 * developer credentials leak in), PATH, and only the variables the test passes.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  cwd?: string;
}

/** A CLI process that keeps running (`rotor run --watch`): its output so far, and its end. */
export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stderr line by line with the time each arrived (rotor run's log, as a timeline). */
  stderrLines(): { t: number; line: string }[];
  exited: Promise<CliResult>;
}

export interface BuiltCli {
  /** The bundled file, in a directory of its own (no node_modules next to it). */
  file: string;
  /** HOME and XDG_CONFIG_HOME of the runs (credentials.json lands in <home>/config/rotor/). */
  home: string;
  credentialsFile: string;
  run(args: string[], options?: CliRunOptions): Promise<CliResult>;
  /** Starts the CLI without waiting for it; stdin is closed (or gets `input`). */
  start(args: string[], options?: CliRunOptions): RunningCli;
  cleanup(): void;
}

export function buildCli(): BuiltCli {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-cli-"));
  const file = path.join(dir, "bin", "rotor.mjs");
  execFileSync(process.execPath, [path.join(repoRoot, "scripts", "build-cli.mjs"), "--outfile", file], { cwd: repoRoot, stdio: "pipe" });
  const home = path.join(dir, "home");
  fs.mkdirSync(home);
  const baseEnv = () => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, XDG_CONFIG_HOME: path.join(home, "config"), LANG: "C.UTF-8" });
  return {
    file,
    home,
    credentialsFile: path.join(home, "config", "rotor", "credentials.json"),
    start(args, options = {}) {
      const child = spawn(process.execPath, [file, ...args], {
        cwd: options.cwd ?? dir,
        env: { ...baseEnv(), ...options.env } as unknown as NodeJS.ProcessEnv,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (c) => (stdout += c));
      const lines: { t: number; line: string }[] = [];
      child.stderr!.on("data", (c) => {
        const t = Date.now();
        const text = String(c);
        const pending = stderr.endsWith("\n") || stderr === "" ? "" : stderr.slice(stderr.lastIndexOf("\n") + 1);
        stderr += text;
        const parts = (pending + text).split("\n");
        if (pending && lines.length) lines.pop();
        for (const line of parts.slice(0, -1)) lines.push({ t, line });
        if (parts.at(-1)) lines.push({ t, line: parts.at(-1)! });
      });
      child.stdin!.end(options.input ?? "");
      const timeout = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
      const exited = new Promise<CliResult>((resolve) =>
        child.on("close", (code, signal) => {
          clearTimeout(timeout);
          resolve({ code, signal, stdout, stderr });
        }),
      );
      return { child, stdout: () => stdout, stderr: () => stderr, stderrLines: () => [...lines], exited };
    },
    run(args, options = {}) {
      return this.start(args, { timeoutMs: 30_000, ...options }).exited;
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
