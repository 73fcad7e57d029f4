/**
 * Prometheus's own checker (`promtool`, Debian's prometheus package; .ci/run installs it when missing), so
 * exposition and rules are judged by the tool that will read them, not by a regular expression.
 */
import { spawnSync } from "node:child_process";

export function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync("promtool", args, { input, encoding: "utf8" });
  if (result.error) throw new Error(`promtool is needed for this test (apt-get install prometheus): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** Lint problems in a metrics exposition ("" when promtool accepts it). */
export function promtoolCheckMetrics(exposition: string): string {
  return promtool(["check", "metrics"], exposition).output;
}

/** Runs `promtool test rules` on the given test files; status 0 when every test passed. */
export function promtoolTestRules(files: string[]): { status: number | null; output: string } {
  return promtool(["test", "rules", ...files]);
}
