import "server-only";
/**
 * The lockout guard: before a rotation overwrites or deletes the credential it retires (today's `previous`),
 * find out whether anybody still uses it, and act on the rotator's policy:
 *
 *   off    no check (the step is recorded as skipped)
 *   warn   rotate, and record the finding on the run (step message, `retiring_check`, the webhook payload)
 *   hold   do not rotate while it is in use: the run ends `held` before anything changed at the target; a
 *          schedule retries it on its backoff, an operator may choose "Rotate anyway" (the override)
 *
 * In use means: the target says so (the rotator's optional `checkInUse`: sessions open as that user, an IAM key
 * used after it stopped being current), or a consumer known to Rotor (lib/environments/consumers.ts) never
 * fetched the revision that introduced today's `current`. "Cannot tell" (no permission to see sessions, the
 * check itself failed) is recorded as such and never holds: a guard that blocks on its own blind spots would
 * stop every rotation of a rotator whose managing user lacks one grant.
 */
import { byActor, type Actor, type AppContext } from "../app-context";
import type { RotationRun, RotatorRow } from "../db/schema";
import { getRevisionCreatedAt } from "../db/queries/environments";
import { getRotatorById, updateRotatorById } from "../db/queries/rotators";
import { updateRunById } from "../db/queries/runs";
import { insertAuditEvent } from "../db/queries/audit";
import { consumersBehindRotator } from "../environments/consumers";
import type { Credential, RotatorContext, RotatorDefinition, RotatorState } from "../rotators/types";
import { toAppError } from "../errors";
import { describeRetiringCheck, retiringHolders, type RetiringCheck } from "./lockout-finding";

export const CHECK_STEP = "check retiring credential";

type Step = <T>(
  name: typeof CHECK_STEP,
  body: () => Promise<T>,
  describe?: (result: T) => string | undefined,
  statusOf?: (result: T) => "succeeded" | "skipped",
) => Promise<T>;

export interface GuardRequest {
  rotator: RotatorRow;
  run: RotationRun;
  definition: RotatorDefinition<unknown>;
  inputs: unknown;
  state: RotatorState;
  context: RotatorContext;
  /** Redacted from anything the check reports. */
  secrets: readonly string[];
  /** Who started the run (the hold is audited under their name). */
  actor: Actor;
  /** Rotate anyway: the operator who chose to rotate despite the finding. */
  overriddenBy?: Actor;
  step: Step;
  /** Stores the finding on the run, with the run's next write (the plan's start, or the hold). */
  recordFinding(finding: RetiringCheck): void;
}

/** The retiring credential by its first non-secret field (a username, an access key id). */
function nameOf(credential: Credential, secretKeys: readonly string[]): string | null {
  return Object.entries(credential).find(([key]) => !secretKeys.includes(key))?.[1] ?? null;
}

/** What the target says, as a finding; a failure to ask becomes "cannot tell", with the (redacted) reason. */
async function askTarget(request: GuardRequest, credential: Credential, retiredAt: Date | null): Promise<RetiringCheck["target"]> {
  const { definition } = request;
  if (!definition.checkInUse) return { verdict: "not-applicable", summary: "Nothing to check at the target.", holders: [] };
  try {
    return await definition.checkInUse({ inputs: request.inputs, credential, retiredAt, context: request.context });
  } catch (error) {
    const reason = toAppError(error, { secrets: request.secrets, context: `in-use check of rotator ${request.rotator.id}` }).message;
    return { verdict: "unknown", summary: `Cannot tell whether it is still in use: ${reason}`, holders: [] };
  }
}

/**
 * Runs the check as the run's "check retiring credential" step and records the finding on the run. Returns
 * "held" when the rotation must not go on (policy hold, in use, no override): the run has then been finished
 * as held. Nothing to retire (no previous credential) records no step.
 */
export async function guardRetiringCredential(app: AppContext, request: GuardRequest): Promise<"proceed" | "held"> {
  const { rotator, run, state } = request;
  const credential = state.previous;
  if (!credential) return "proceed";
  if (rotator.lockoutPolicy === "off") {
    await request.step(CHECK_STEP, async () => null, () => "The lockout guard is off for this rotator: not checked.", () => "skipped");
    return "proceed";
  }
  const check = await request.step(
    CHECK_STEP,
    async (): Promise<RetiringCheck> => {
      const revision = rotator.stateRevision;
      // Revisions may have been pruned by retention; then the last rotation's time is the best answer.
      const introduced = revision === null ? undefined : await getRevisionCreatedAt({ db: app.db, environmentId: rotator.environmentId, revision });
      const retiredAt = introduced ?? rotator.lastRotatedAt ?? null;
      const [target, behind] = await Promise.all([askTarget(request, credential, retiredAt), consumersBehindRotator({ db: app.db, rotator })]);
      const consumers = behind.consumers.map((c) => ({ label: c.label, kind: c.kind, revision: c.revision }));
      const inUse = target.verdict === "in-use" || consumers.length > 0;
      const outcome = !inUse ? "proceeded" : request.overriddenBy ? "overridden" : rotator.lockoutPolicy === "hold" ? "held" : "proceeded";
      const finding: RetiringCheck = {
        policy: rotator.lockoutPolicy,
        credential: nameOf(credential, request.definition.secretCredentialKeys),
        target,
        revision,
        consumers,
        inUse,
        outcome,
        checkedAt: new Date().toISOString(),
        ...(outcome === "overridden" ? { overriddenBy: request.overriddenBy!.label } : {}),
      };
      request.recordFinding(finding);
      return finding;
    },
    describeRetiringCheck,
  );
  if (check.outcome !== "held") return "proceed";
  await recordHeld(app, { rotator, run, check, actor: request.actor });
  return "held";
}

/** Finishes the run as held: nothing changed at the target, the rotator is not failing, the hold is audited. */
async function recordHeld(app: AppContext, { rotator, run, check, actor }: { rotator: RotatorRow; run: RotationRun; check: RetiringCheck; actor: Actor }) {
  const message = describeRetiringCheck(check);
  await app.db.transaction(async (tx) => {
    await updateRunById({ db: tx, id: run.id, patch: { status: "held", finishedAt: new Date(), errorCode: "rotation:held", errorMessage: message, retiringCheck: check } });
    if (await getRotatorById({ db: tx, id: rotator.id })) await updateRotatorById({ db: tx, id: rotator.id, patch: { lastRunId: run.id } });
    await insertAuditEvent({
      tx,
      event: {
        ...byActor(actor),
        action: "rotation.held",
        outcome: "failure",
        targetType: "rotator",
        targetId: rotator.id,
        targetLabel: rotator.name,
        details: { runId: run.id, type: rotator.type, trigger: run.trigger, credential: check.credential, stillUsedBy: retiringHolders(check) },
      },
    });
  });
}
