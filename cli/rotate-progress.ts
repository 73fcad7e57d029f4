/**
 * `rotor env rotate --wait`: follows the runs a rotation started until each has finished. On a terminal it
 * redraws one line per run with its current step; otherwise (CI logs) it prints each step once as it
 * finishes. The caller's exit code says whether every run succeeded.
 */
import { pathOf, type RotorClient } from "./api-client";
import type { Run, RunStep } from "./api-types";
import { CliError } from "./errors";
import { sleep } from "./watch-stream";

export interface WaitOptions {
  /** Redraw in place (a terminal) or print line by line (a log). */
  live: boolean;
  write: (text: string) => void;
  pollMs?: number;
  timeoutMs: number;
}

const DONE = new Set(["succeeded", "failed"]);
const MARK: Record<string, string> = { succeeded: "✓", failed: "✗", skipped: "-", running: "…", pending: "·" };

export async function waitForRuns(client: RotorClient, runIds: string[], options: WaitOptions): Promise<Run[]> {
  const { live, write, pollMs = 500, timeoutMs } = options;
  const deadline = Date.now() + timeoutMs;
  const printed = new Set<string>();
  let drawnLines = 0;
  for (;;) {
    const runs = await Promise.all(runIds.map((id) => client.get<Run>(pathOf("runs", id))));
    if (live) {
      const lines = runs.map(runLine);
      write(`${drawnLines ? `\x1b[${drawnLines}A` : ""}${lines.map((line) => `\x1b[2K${line}\n`).join("")}`);
      drawnLines = lines.length;
    } else {
      for (const run of runs) {
        for (const step of run.steps ?? []) {
          const key = `${run.id}:${step.name}:${step.startedAt}`;
          if (!DONE.has(step.status) && step.status !== "skipped") continue;
          if (printed.has(key)) continue;
          printed.add(key);
          write(`${run.rotator}: ${step.name} ${step.status}${step.message ? `: ${step.message}` : ""}\n`);
        }
        if (DONE.has(run.status) && !printed.has(run.id)) {
          printed.add(run.id);
          write(`${runLine(run)}\n`);
        }
      }
    }
    if (runs.every((run) => DONE.has(run.status))) return runs;
    if (Date.now() > deadline) {
      const open = runs.filter((run) => !DONE.has(run.status)).map((run) => `${run.rotator} (${run.id})`);
      throw new CliError(`Gave up waiting after ${Math.round(timeoutMs / 1000)} s: ${open.join(", ")} still running. Follow them with \`rotor env history\`.`);
    }
    await sleep(pollMs);
  }
}

/** `✓ app-db  succeeded in 1.2 s (revision 15)` / `… app-db  running: apply` / `✗ app-db  failed: reason` */
export function runLine(run: Run): string {
  const mark = MARK[run.status] ?? "?";
  if (run.status === "succeeded") {
    const took = run.durationMs === null ? "" : ` in ${(run.durationMs / 1000).toFixed(1)} s`;
    return `${mark} ${run.rotator}  succeeded${took}${run.revisionAfter ? ` (revision ${run.revisionAfter})` : ""}`;
  }
  if (run.status === "failed") return `${mark} ${run.rotator}  failed: ${run.error?.message ?? "no reason given"}`;
  const step = currentStep(run.steps ?? []);
  return `${mark} ${run.rotator}  ${run.status}${step ? `: ${step.name}` : ""}`;
}

function currentStep(steps: RunStep[]): RunStep | undefined {
  return steps.find((step) => step.status === "running") ?? steps[steps.length - 1];
}
