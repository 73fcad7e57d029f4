/**
 * The preflight checklist ("Check rotation"), shared by every rotator type: how lines are made, how a thrown
 * RotatorError becomes a failed line, the checklist of a type without its own `preflight` (derived from Test
 * connection), and the one failure a scheduled run stops with. Pure library: no Next, no database.
 */
import { isRotatorError, RotatorError } from "./errors";
import { parsePasswordRules, type PasswordRulesInput } from "./password/rules";
import type { PasswordPolicy } from "./sql/connector";
import { policyProblems } from "./password/policy-fit";
import type { CheckLine, PreflightRequest, PreflightResponse, RotatorDefinition } from "./types";

export function okLine(id: string, check: string, detail: string): CheckLine {
  return { id, check, status: "ok", detail };
}

export function warningLine(id: string, check: string, detail: string, fix?: string): CheckLine {
  return { id, check, status: "warning", detail, ...(fix ? { fix } : {}) };
}

export function skippedLine(id: string, check: string, detail: string): CheckLine {
  return { id, check, status: "skipped", detail };
}

export function failedLine(
  id: string,
  check: string,
  detail: string,
  fix: string,
  options: { code?: RotatorError["code"]; retryable?: boolean } = {},
): CheckLine {
  const code = options.code ?? "target:rejected";
  return { id, check, status: "failed", detail, fix, code, retryable: options.retryable ?? new RotatorError(code, "").retryable };
}

/**
 * A RotatorError met while checking, as a failed line. Rotator messages already say what to do ("Check host,
 * port and network access."), so `fix` defaults to that advice; anything else is an unexpected failure.
 */
export function lineFromError(id: string, check: string, error: unknown, fix?: string): CheckLine {
  if (!isRotatorError(error)) throw error;
  return {
    id,
    check,
    status: "failed",
    detail: error.message,
    fix: fix ?? adviceOf(error),
    code: error.code,
    retryable: error.retryable,
  };
}

function adviceOf(error: RotatorError): string {
  switch (error.code) {
    case "target:unreachable":
    case "target:timeout":
      return "Check the host, the port and that Rotor (or its connector) may reach it; then check again.";
    case "auth:managing-login-failed":
      return "Fix the managing credentials (or the login provider) and check again.";
    case "auth:permission-denied":
      return "Grant the managing identity the privilege named above.";
    case "target:user-not-found":
      return "Create the user at the target, or fix the user name.";
    default:
      return "Fix what the message names and check again.";
  }
}

/** Lines that could not run because an earlier one failed (no login, no user to look at). */
export function blockedLine(id: string, check: string, by: string): CheckLine {
  return skippedLine(id, check, `Not checked: ${by} failed.`);
}

/**
 * The password rules as a line: they parse (the form already refuses invalid rules; stored inputs might predate
 * a rule) and, where the target has a password-validation policy, every generated password meets it.
 */
export function passwordRulesLine(rules: PasswordRulesInput | undefined, target: string, policy?: PasswordPolicy | null): CheckLine {
  const check = `Password rules fit ${target}`;
  let parsed;
  try {
    parsed = parsePasswordRules(rules ?? {});
  } catch (error) {
    return lineFromError("password-rules", check, error, "Fix the password rules of this rotator.");
  }
  const problems = policy ? policyProblems(policy, parsed) : [];
  if (problems.length > 0) {
    return failedLine("password-rules", check, `${policy!.source} ${problems.join("; ")}.`, "Change the password rules so that every generated password meets the server's policy.", {
      code: "input:invalid",
      retryable: false,
    });
  }
  return okLine("password-rules", check, `Generated passwords have ${parsed.length} characters${policy ? ` and meet ${policy.source}` : ""}.`);
}

/**
 * The checklist of a type: its own `preflight`, or — for a type without one — Test connection's findings as
 * lines (a success line per detail, "Warning: …" as a warning, a thrown error as the one failed line).
 */
export async function runPreflight<I>(definition: RotatorDefinition<I>, req: PreflightRequest<I>): Promise<PreflightResponse> {
  if (definition.preflight) return definition.preflight(req);
  try {
    const { details } = await definition.testConnection({ inputs: req.inputs, context: req.context });
    return {
      checks: details.map((detail, i) =>
        detail.startsWith("Warning: ") ? warningLine(`test-${i + 1}`, "Test connection", detail.slice("Warning: ".length)) : okLine(`test-${i + 1}`, "Test connection", detail),
      ),
    };
  } catch (error) {
    return { checks: [lineFromError("test-connection", "Test connection", error)] };
  }
}

/** The first failed line as the error a run stops with: its code, its retryability, what failed and the fix. */
export function firstFailure(checks: readonly CheckLine[]): RotatorError | null {
  const failed = checks.find((line) => line.status === "failed");
  if (!failed) return null;
  const fix = failed.fix && !failed.detail.includes(failed.fix) ? ` ${failed.fix}` : "";
  return new RotatorError(failed.code ?? "target:rejected", `Preflight failed — ${failed.check}: ${failed.detail}${fix}`, {
    retryable: failed.retryable ?? false,
  });
}

/** Counts for a one-sentence summary ("7 ok, 1 failed, 1 warning"). */
export function summarizeChecks(checks: readonly CheckLine[]): string {
  const counts = new Map<string, number>();
  for (const line of checks) counts.set(line.status, (counts.get(line.status) ?? 0) + 1);
  const parts = (["ok", "failed", "warning", "skipped"] as const)
    .filter((s) => counts.get(s))
    .map((s) => `${counts.get(s)} ${s === "warning" && counts.get(s)! > 1 ? "warnings" : s}`);
  return parts.join(", ") || "nothing to check";
}
