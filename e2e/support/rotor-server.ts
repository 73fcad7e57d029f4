/**
 * Starts Rotor the way an installer does (`npm start` = scripts/start.mjs: build when the sources changed,
 * then the standalone server), or runs a standalone server.js directly as the container image does, on a
 * given port with its own data directory, and reads the first-run setup URL from its stdout. The process
 * runs in its own process group so that stopping it also stops the server under `npm start`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface RotorServerHandle {
  baseURL: string;
  /** The `/setup?token=…` URL printed at first start (null when the data directory already had users). */
  setupUrl: string | null;
  pid: number;
  /** Everything the server printed so far (stdout and stderr, the last 20,000 characters). */
  output(): string;
  stop(): Promise<void>;
}

export interface RotorServerOptions {
  repoRoot: string;
  port: number;
  /** Variables added to a scrubbed copy of this process's environment. */
  env: Record<string, string>;
  logFile: string;
  /** A standalone build's server.js to run with `node` alone (in its own directory), instead of `npm start`. */
  standaloneServer?: string;
  /** Building on two cores takes a few minutes; starting a built app takes seconds. */
  timeoutMs?: number;
  /** Node's flags for the server; by default those of package.json's start script, which users run. */
  nodeFlags?: string[];
}

const SETUP_URL = /(https?:\/\/[^\s"]+\/setup\?token=[\w-]+)/;
const READY = /Ready in|started server on|Local:\s+http/i;

/** Rotor's own settings must come only from the test, never from the developer's shell or .env. */
export function scrubbedEnv(): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(ROTOR_|AUTH_|NEXTAUTH_)/.test(key) || key === "DATABASE_URL" || key === "PORT" || key === "NODE_OPTIONS") continue;
    out[key] = value;
  }
  return out;
}

/**
 * The flags `npm start` gives Node (package.json's start script is `node [FLAGS] scripts/start.mjs`): the tests
 * and benchmarks run the server with them, as users do. The Dockerfile's CMD gives the same ones to server.js
 * (deploy/deploy.test.ts holds it to that).
 */
export function startScriptNodeFlags(repoRoot: string): string[] {
  const start = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  const match = /^node((?:\s+--[\w-]+(?:=\S+)?)*)\s+scripts\/start\.mjs$/.exec(start.trim());
  if (!match) throw new Error(`package.json's start script is not "node [--flags] scripts/start.mjs": ${start}`);
  return match[1].split(/\s+/).filter(Boolean);
}

async function waitForHttp(url: string, deadline: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Rotor exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url, { redirect: "manual" });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Rotor did not answer at ${url} in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startRotorServer(options: RotorServerOptions): Promise<RotorServerHandle> {
  const { repoRoot, port, logFile, timeoutMs = 10 * 60_000 } = options;
  const baseURL = `http://localhost:${port}`;
  const log = fs.createWriteStream(logFile, { flags: "a" });
  const childEnv: Record<string, string | undefined> = { ...scrubbedEnv(), ...options.env, PORT: String(port), ROTOR_PUBLIC_URL: baseURL };
  const script = options.standaloneServer ?? path.join(repoRoot, "scripts", "start.mjs");
  const nodeFlags = options.nodeFlags ?? startScriptNodeFlags(repoRoot);
  const child = spawn(process.execPath, [...nodeFlags, script], {
    cwd: options.standaloneServer ? path.dirname(options.standaloneServer) : repoRoot,
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const pid = child.pid!;
  let output = "";
  let setupUrl: string | null = null;
  let ready = false;
  const onData = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    log.write(text);
    output = (output + text).slice(-20_000);
    setupUrl ??= SETUP_URL.exec(output)?.[1] ?? null;
    ready ||= READY.test(output);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    };
    signalGroup("SIGTERM");
    const timer = setTimeout(() => signalGroup("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
    // Let next-server (a grandchild) release the data directory before the caller removes it.
    await new Promise((r) => setTimeout(r, 200));
    log.end();
  };

  const deadline = Date.now() + timeoutMs;
  try {
    // The setup URL is printed by instrumentation (startRotor) before the server takes requests; wait for
    // "Ready", then for the URL (a data directory with users prints none), then for HTTP.
    while (!ready) {
      if (child.exitCode !== null) throw new Error(`Rotor exited with code ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error("Rotor did not become ready in time");
      await new Promise((r) => setTimeout(r, 250));
    }
    await waitForHttp(`${baseURL}/login`, deadline, child);
    const urlDeadline = Date.now() + 10_000;
    while (!setupUrl && Date.now() < urlDeadline) await new Promise((r) => setTimeout(r, 100));
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}. Last output (full log: ${logFile}):\n${output.slice(-4000)}`);
  }
  return { baseURL, setupUrl, pid, stop, output: () => output };
}
