/**
 * The lockout guard's vocabulary, client-safe (the rotator form, the run view and the webhook payload read it):
 * the per-rotator policy and the finding a run records in its "check retiring credential" step.
 *
 * The finding names who still uses the credential a rotation is about to retire (today's `previous`): what the
 * target says (sessions open as that user, an IAM key used after it stopped being current) and the consumers
 * known to Rotor that never fetched the revision which introduced today's `current`. Never a secret value.
 */
import { LOCKOUT_POLICIES, type LockoutPolicy, type RetiringCheck, type RetiringConsumer } from "../db/vocabulary";

// The lists and shapes are the columns' (lib/db/vocabulary.ts); what they mean and how they read is here.
export { LOCKOUT_POLICIES, type LockoutPolicy, type RetiringCheck, type RetiringConsumer };
export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = "warn";

export const LOCKOUT_POLICY_LABELS: Record<LockoutPolicy, string> = {
  off: "Off: do not check",
  warn: "Warn: rotate, and record who still uses the retiring credential",
  hold: "Hold: do not rotate while it is in use (Rotate anyway overrides)",
};

/** Who still uses it, one entry per holder, for the Rotate anyway confirmation and the webhook. */
export function retiringHolders(check: Pick<RetiringCheck, "target" | "consumers">): string[] {
  // A consumer's label already says what it is ("token ci", or a user's email).
  return [...check.target.holders, ...check.consumers.map((c) => `${c.label} (revision ${c.revision})`)];
}

/** The step's message: the verdict first, then the target's sentence and the consumers. */
export function describeRetiringCheck(check: RetiringCheck): string {
  const what = check.credential ? `The retiring credential ${check.credential}` : "The retiring credential";
  const parts: string[] = [];
  if (check.outcome === "held") parts.push(`Held: ${what} is still in use; the rotation was not started (policy hold).`);
  else if (check.outcome === "overridden") parts.push(`Rotating anyway (chosen by ${check.overriddenBy ?? "an operator"}): ${what} is still in use.`);
  else if (check.inUse) parts.push(`Warning: ${what} is still in use; rotating (policy warn).`);
  else parts.push(`${what} is not in use as far as Rotor can tell.`);
  parts.push(check.target.verdict === "not-applicable" ? "Nothing to check at the target." : check.target.summary);
  const n = check.consumers.length;
  if (n > 0) {
    parts.push(
      `${n} consumer${n === 1 ? " has" : "s have"} not fetched revision ${check.revision ?? "?"}: ${check.consumers.map((c) => `${c.label} (revision ${c.revision})`).join(", ")}.`,
    );
  }
  return parts.join(" ");
}
