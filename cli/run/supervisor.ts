/**
 * The process under `rotor run`: one child at a time, started with the exported variables added to the
 * environment, stopped gracefully (SIGTERM, then SIGKILL after the grace period) when it must restart with
 * new values. It tells a restart it asked for apart from the child exiting by itself: only the latter, or a
 * shutdown, ends `rotor run` (with the child's exit status).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { CliError } from "../errors";

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SupervisorOptions {
  command: string;
  args: string[];
  /** The environment the variables are added to (rotor's own, normally). */
  baseEnv: NodeJS.ProcessEnv;
  /** How long a child may take to exit after SIGTERM before it is killed. */
  graceMs: number;
  log: (line: string) => void;
}

export class Supervisor {
  private child: ChildProcess | undefined;
  /** The child being stopped on purpose; its exit is not the end of `rotor run`. */
  private stopping: ChildProcess | undefined;
  private lastExit: ChildExit | undefined;
  private closed = false;
  private shutdownSignal: NodeJS.Signals | undefined;
  private resolveFinished!: (exit: ChildExit) => void;
  /** The child exited by itself, or after shutdown(): `rotor run` ends with this status. */
  readonly finished: Promise<ChildExit> = new Promise((resolve) => (this.resolveFinished = resolve));

  constructor(private readonly options: SupervisorOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the command; rejects (exit 127/126, like a shell) when it cannot be executed at all. */
  start(variables: Record<string, string>): Promise<void> {
    if (this.closed) {
      // Asked to end before (re)starting: end as if the signal had reached the child.
      this.resolveFinished(this.lastExit ?? { code: null, signal: this.shutdownSignal ?? "SIGTERM" });
      return Promise.resolve();
    }
    const { command, args, baseEnv } = this.options;
    const child = spawn(command, args, { stdio: "inherit", env: { ...baseEnv, ...variables } });
    return new Promise((resolve, reject) => {
      child.once("spawn", () => {
        this.child = child;
        child.once("exit", (code, signal) => {
          const exit = { code, signal };
          this.lastExit = exit;
          if (this.child === child) this.child = undefined;
          if (this.stopping !== child || this.closed) this.resolveFinished(exit);
        });
        resolve();
      });
      child.once("error", (error: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return; // a failed kill of a running child is not a start failure
        const notFound = error.code === "ENOENT";
        reject(new CliError(`Cannot run ${command}: ${notFound ? "command not found" : error.message}`, notFound ? 127 : 126));
      });
    });
  }

  /** SIGTERM, wait up to the grace period, then SIGKILL; resolves when the child is gone. */
  async stop(): Promise<ChildExit | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return null;
    this.stopping = child;
    const exited = new Promise<ChildExit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), this.options.graceMs)));
    const first = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (first === "timeout") {
      this.options.log(`pid ${child.pid} did not exit within ${this.options.graceMs / 1000} s of SIGTERM: sending SIGKILL`);
      child.kill("SIGKILL");
    }
    return exited;
  }

  /** Stops the running child (if any) and starts the command again with these variables. */
  async restart(variables: Record<string, string>): Promise<void> {
    await this.stop();
    await this.start(variables); // does nothing after shutdown()
  }

  /** Sends a signal to the running child (forwarding, or --signal instead of a restart). */
  signal(signal: NodeJS.Signals): boolean {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return false;
    return child.kill(signal);
  }

  /**
   * `rotor run` is asked to end (SIGINT/SIGTERM): pass the signal on, start nothing any more, and finish
   * with the child's exit — also when a restart had just stopped it.
   */
  shutdown(signal: NodeJS.Signals): void {
    this.closed = true;
    this.shutdownSignal ??= signal;
    if (!this.signal(signal) && !this.child && this.lastExit) this.resolveFinished(this.lastExit);
  }
}

/** 128 + the signal's number, as a shell reports a command killed by a signal. */
export function exitCodeOf(exit: ChildExit): number {
  if (exit.code !== null) return exit.code;
  return 128 + (exit.signal ? (constants.signals[exit.signal] ?? 0) : 0);
}

/** Signals that end `rotor run` once the child has ended of them; the others are only passed on. */
export const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGQUIT"];
export const PASSED_ON_SIGNALS: NodeJS.Signals[] = ["SIGHUP", "SIGUSR1", "SIGUSR2"];
