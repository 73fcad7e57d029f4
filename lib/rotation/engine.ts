import "server-only";
/**
 * The rotation engine: the one place that runs a rotation and owns its transactions.
 *
 *   lease → load → plan → persist pending → apply → verify → commit (state + revision + run + audit, one tx)
 *
 * Why this order: the pending credential is written (encrypted) BEFORE anything changes at the target, so a
 * process that dies at any point leaves a record of what the target may already have seen. The next attempt
 * finds the unfinished run (its lease has expired), and resumes it with the same pending credential; the
 * rotator's apply first checks whether that credential already works. `current` is only replaced in the
 * commit transaction, after the new credential was verified, so consumers are never locked out.
 *
 * A run that FAILED (as opposed to one that was interrupted) is not resumed: its pending credential may have
 * been refused, and retrying it would loop. The next attempt asks the rotator to abandon it (remove anything
 * it created that is neither current nor previous) and prepares a fresh one.
 *
 * One rotation per rotator at a time: a lease on the rotator row, taken with one atomic UPDATE and renewed
 * while the run is alive, so it holds across several Rotor processes sharing PostgreSQL, and a crashed
 * process's lease simply runs out.
 */
import { byActor, type AppContext, type Actor } from "../app-context";
import type { RotationRun, RotatorRow } from "../db/schema";
import { acquireRotatorLease, getRotatorById, releaseRotatorLease, renewRotatorLease, updateRotatorById } from "../db/queries/rotators";
import { getLastFinishedRunByRotator, getUnfinishedRunByRotator, insertRotatorRun, interruptRunningSteps, updateRunById } from "../db/queries/runs";
import { replacedSince } from "./replaced-since";
import { insertAuditEvent } from "../db/queries/audit";
import { getRotatorDefinition } from "../rotators/registry";
import type { Credential, Pending, RotatorContext, RotatorMeta, RotatorState } from "../rotators/types";
import { secretKeysOf } from "../rotators/meta";
import { decryptPending, decryptSecretInputs, encryptPending, loadInputs, stateSummary } from "./rotator-records";
import { encryptState, loadState } from "../environments/rotator-state";
import { recordRevision, reserveRevision } from "../environments/revisions";
import { credentialSecrets, secretStrings } from "./secret-fields";
import { AppError, isAppError, redactedError, scrubMessage, toAppError } from "../errors";
import { isRotatorError } from "../rotators/errors";
import { logError } from "../log";
import { resolveRotatorContext } from "./rotator-context";
import { checklistOf } from "./preflight";
import { firstFailure } from "../rotators/preflight";
import { leaseOwner } from "./lease-owner";
import { env } from "../env";
import { CHECK_STEP, guardRetiringCredential } from "./lockout-guard";
import { RunSteps } from "./run-steps";
import { openRunScope } from "./run-scope";

export type RunTrigger = RotationRun["trigger"];
export type StepName = "preflight" | "resume" | "abandon previous attempt" | typeof CHECK_STEP | "plan" | "persist pending" | "apply" | "verify" | "commit" | "deactivate previous";

/** The runs nobody watches start with the preflight step. */
const SCHEDULED_TRIGGERS: ReadonlySet<RunTrigger> = new Set(["schedule", "retry"]);

export interface RunOutcome {
  runId: string;
  rotatorId: string;
  /** held: the lockout guard deferred it (policy hold) before anything changed. */
  status: "succeeded" | "failed" | "held";
  errorCode?: string | null;
  errorMessage?: string | null;
  /** A failed run: whether trying again later may help (see AppError.retryable). */
  retryable?: boolean;
}

/**
 * Test seam for crash tests: `afterStep` runs after each step has been persisted; throwing a
 * `SimulatedCrash` from it stops the run exactly as a dying process would — nothing more is written and
 * the lease is left to expire.
 */
export interface EngineHooks {
  afterStep?(step: StepName | "checkpoint", runId: string): Promise<void> | void;
}

export class SimulatedCrash extends Error {
  constructor(at: string) {
    super(`simulated crash at ${at}`);
    this.name = "SimulatedCrash";
  }
}

export interface EngineOptions {
  /** ROTOR_LEASE_SECONDS by default. */
  leaseTtlMs?: number;
  /** Identifies this process in leases (lib/rotation/lease-owner.ts by default). */
  owner?: string;
  hooks?: EngineHooks;
  /** Extra rotator context (connectors, AWS credentials, a fast clock in tests). */
  rotatorContext?: Partial<RotatorContext>;
}

export const INTERRUPTED_STEP_MESSAGE = "The process running this step stopped (crash, or shut down before it finished).";

export interface StartRotation {
  rotatorId: string;
  trigger: RunTrigger;
  actor: Actor;
  batchId?: string;
  /** "Rotate anyway": rotate even if the lockout guard finds the retiring credential in use (policy hold). */
  overrideHold?: boolean;
  /**
   * The environment revision the request was made from (the page, or the caller's last read). If a rotation (or
   * an import) has replaced this rotator's credential since, the request is refused with rotation:stale-revision
   * instead of rotating a second time: two clicks, two tabs or two operators rotate once. Absent = rotate anyway
   * (schedules, and the explicit "rotate again").
   */
  expectedRevision?: number;
}

/**
 * Takes the lease and creates (or resumes) the run, then continues in the background. Returns once the run
 * exists, so the caller can show its progress; `completion` settles when the run ends.
 * Throws AppError rotation:busy when another rotation of the same rotator holds the lease.
 */
export async function startRotation(
  app: AppContext,
  request: StartRotation,
  options: EngineOptions = {},
): Promise<{ runId: string; completion: Promise<RunOutcome> }> {
  const { db } = app;
  const ttlMs = options.leaseTtlMs ?? env().scheduler.leaseMs;
  const owner = options.owner ?? leaseOwner("engine");
  const rotator = await acquireRotatorLease({ db, id: request.rotatorId, owner, ttlMs });
  if (!rotator) throw await busyError(app, request.rotatorId);
  try {
    const unfinished = await getUnfinishedRunByRotator({ db, rotatorId: rotator.id });
    // Checked under the lease, so a rotation that commits between the caller's look and this one is seen.
    if (!unfinished) {
      const replaced = await replacedSince(app, rotator, request.expectedRevision);
      if (replaced) throw new AppError("rotation:stale-revision", replaced);
    }
    let run: RotationRun;
    let resumed = false;
    if (unfinished) {
      // We hold the lease, so the process that ran this is gone: continue where it stopped.
      resumed = true;
      await interruptRunningSteps({ db, runId: unfinished.id, message: INTERRUPTED_STEP_MESSAGE });
      run = (await updateRunById({ db, id: unfinished.id, patch: { status: "running", attempt: unfinished.attempt + 1 } }))!;
    } else {
      // With the environment's name and revision, and as the rotator's last run: one statement.
      run = await insertRotatorRun({
        db,
        run: {
          rotatorId: rotator.id,
          environmentId: rotator.environmentId,
          rotatorName: rotator.name,
          rotatorType: rotator.type,
          batchId: request.batchId,
          trigger: request.trigger,
          actorId: request.actor.id,
          actorLabel: request.actor.label,
          status: "running",
        },
      });
    }
    const completion = executeRun(app, { rotator, run, resumed, actor: request.actor, overrideHold: request.overrideHold, owner, ttlMs, options });
    return { runId: run.id, completion };
  } catch (error) {
    await releaseRotatorLease({ db, id: rotator.id, owner });
    throw error;
  }
}

/**
 * "Already running", with since when and until when: the run's start, and when its lease runs out (the
 * moment another process may resume it if the one running it died without anybody noticing).
 */
async function busyError(app: AppContext, rotatorId: string): Promise<AppError> {
  const rotator = await getRotatorById({ db: app.db, id: rotatorId });
  if (!rotator) return new AppError("not-found", "That rotator no longer exists.");
  const run = await getUnfinishedRunByRotator({ db: app.db, rotatorId });
  const since = run ? ` since ${utcTime(run.startedAt)}` : "";
  const until = rotator.leaseExpiresAt ? ` Its lease runs until ${utcTime(rotator.leaseExpiresAt)} (renewed while it runs); if the process running it stopped, it can be resumed then.` : "";
  return new AppError("rotation:busy", `A rotation of ${rotator.name} is already running${since}.${until} Wait for it to finish.`);
}

/** 2026-12-02 07:12:03 UTC: a message is read by people in any zone (pages show times in the viewer's zone). */
function utcTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Runs a rotation to the end and returns its outcome (for schedules, tests and the environment rotate). */
export async function rotateNow(app: AppContext, request: StartRotation, options: EngineOptions = {}): Promise<RunOutcome> {
  const { completion } = await startRotation(app, request, options);
  return completion;
}

interface RunJob {
  rotator: RotatorRow;
  run: RotationRun;
  resumed: boolean;
  actor: Actor;
  overrideHold?: boolean;
  owner: string;
  ttlMs: number;
  options: EngineOptions;
}

async function executeRun(app: AppContext, job: RunJob): Promise<RunOutcome> {
  const { db, keyring } = app;
  const { rotator, run, owner, ttlMs, options } = job;
  const definition = getRotatorDefinition(rotator.type);
  const hooks = options.hooks ?? {};
  const leaseLost = new AbortController();
  const heartbeat = setInterval(() => {
    renewRotatorLease({ db, id: rotator.id, owner, ttlMs })
      .then((held) => {
        if (!held) leaseLost.abort(new Error("lease lost"));
      })
      .catch(() => undefined);
  }, Math.max(1000, Math.floor(ttlMs / 3)));
  heartbeat.unref?.();

  let secrets: string[] = [];
  let crashed = false;
  // Set once the rotator reports that state.previous no longer works at the target (context.previousRetired);
  // persisted with the pending record so that a resumed run still knows, and applied if the run fails.
  let previousRetired = false;
  let lastPending: Pending | null = null;
  // The step in progress; it has no row yet while its start is being written.
  let currentStep: { id?: number; name: StepName } | undefined;
  // The lease went with the commit (nothing of the run touches the target after it).
  let leaseReleased = false;
  const steps = new RunSteps(run.id);
  // What the rotator keeps for this run (a SQL rotator's managing session), closed in `finally`.
  const runScope = openRunScope();
  const checkLease = () => {
    if (leaseLost.signal.aborted) throw new AppError("rotation:busy", "This process lost the rotator's lease (it was too slow); the run will be resumed.");
  };

  type Describe<T> = (result: T) => string | undefined;
  // A step that finished without proving anything (verify through a connector that cannot log in) is
  // recorded as "skipped", so it stands out in the run's steps instead of reading as a success.
  type StatusOf<T> = (result: T) => "succeeded" | "skipped";
  /** Runs the body of a step whose row `id` is written (as running); its finish goes with the run's next write. */
  const runStep = async <T>(name: StepName, id: number, body: () => Promise<T>, describe?: Describe<T>, statusOf?: StatusOf<T>): Promise<T> => {
    currentStep = { id, name };
    const result = await body();
    steps.finish(id, statusOf?.(result) ?? "succeeded", describe?.(result) ?? null);
    currentStep = undefined;
    await hooks.afterStep?.(name, run.id);
    return result;
  };
  /** `pendingCiphertext`: a write-ahead record to store with the step's start (apply returned a new pending). */
  const step = async <T>(name: StepName, body: () => Promise<T>, describe?: Describe<T>, statusOf?: StatusOf<T>, pendingCiphertext?: string): Promise<T> => {
    checkLease();
    currentStep = { name };
    return runStep(name, await steps.start(db, name, pendingCiphertext === undefined ? undefined : { pendingCiphertext }), body, describe, statusOf);
  };

  // The write-ahead record this process last wrote: writing the same record again (apply returning the pending
  // it was given) would only cost a statement, the store already holds it.
  let written: string | undefined;
  /** The write-ahead record of `pending`, or null when the store holds exactly this one already. */
  const pendingRecord = (pending: Pending): { text: string; ciphertext: string } | null => {
    secrets = [...new Set([...secrets, ...credentialSecrets(definition, pending.credential)])];
    lastPending = pending;
    const record: Pending = { credential: pending.credential, data: pending.data, ...(previousRetired ? { previousRetired: true } : {}) };
    const text = JSON.stringify(record);
    return text === written ? null : { text, ciphertext: encryptPending(keyring, run.id, record) };
  };
  const persistPending = async (pending: Pending) => {
    const record = pendingRecord(pending);
    if (!record) return;
    await updateRunById({ db, id: run.id, patch: { pendingCiphertext: record.ciphertext } });
    written = record.text;
  };

  try {
    const inputs = loadInputs(keyring, rotator);
    secrets = secretStrings(decryptSecretInputs(keyring, rotator));
    const state: RotatorState = loadState(keyring, rotator);
    secrets.push(...credentialSecrets(definition, state.current, state.previous));
    // The rotator's login provider (aws-iam) or connector (postgres/mysql), if it has one; explicit
    // options.rotatorContext (tests) takes precedence. Credentials are fetched lazily by the rotator.
    const resolved = await resolveRotatorContext(app, {
      type: rotator.type,
      loginProviderId: rotator.loginProviderId,
      connectorId: rotator.connectorId,
      environmentName: run.environmentName,
      rotatorName: rotator.name,
      rotatorId: rotator.id,
    });
    secrets.push(...resolved.secrets);
    /** The rotator says state.previous no longer works (whichever way it says it); true when that is news. */
    const markPreviousRetired = (): boolean => {
      if (previousRetired || !state.previous) return false;
      previousRetired = true;
      return true;
    };
    const context: RotatorContext = {
      ...resolved.context,
      ...options.rotatorContext,
      // Lets the aws-iam rotator tag the keys it issues, so it can recognise (and clean up) its own.
      rotatorId: rotator.id,
      runScope,
      checkpoint: async (pending) => {
        await persistPending(pending);
        await hooks.afterStep?.("checkpoint", run.id);
      },
      previousRetired: async () => {
        if (markPreviousRetired() && lastPending) await persistPending(lastPending);
      },
      signal: leaseLost.signal,
    };

    // A scheduled run first proves, changing nothing, that the rotation can succeed (Check rotation,
    // lib/rotation/preflight.ts): one that would fail half-way stops here, before it touches the target (even
    // before abandoning a failed attempt), with the checklist's first failure — retried on the schedule's backoff
    // when that failure may pass. A resumed run already began changing the target, so it goes on.
    if (!job.resumed && SCHEDULED_TRIGGERS.has(run.trigger)) {
      await step(
        "preflight",
        async () => {
          const result = await checklistOf(rotator.type, { inputs, state, context, secrets });
          const failure = firstFailure(result.checks);
          if (failure) throw failure;
          return result;
        },
        (r) => scrubMessage([`Check rotation: ${r.summary}.`, ...r.checks.filter((l) => l.status === "warning").map((l) => `Warning: ${l.check}: ${l.detail}`)].join(" "), []),
      );
    }

    let pending: Pending | null = null;
    if (job.resumed) {
      pending = await step(
        "resume",
        async () => (run.pendingCiphertext ? decryptPending(keyring, run.id, run.pendingCiphertext) : null),
        (p) => (p ? "Resuming the interrupted run with its recorded pending credential." : "The interrupted run had not recorded a pending credential; planning afresh."),
      );
      if (pending) {
        secrets.push(...credentialSecrets(definition, pending.credential));
        lastPending = pending;
        if (pending.previousRetired === true) markPreviousRetired();
      }
    } else {
      await abandonFailedAttempt(app, { rotator, inputs, state, context, step });
    }

    // Only a credential recorded by an interrupted attempt may already have reached the target.
    const resumedPending = pending !== null;
    if (!pending) {
      // Before anything is planned or changed: is the credential this rotation retires still in use?
      const guard = await guardRetiringCredential(app, {
        rotator, run, definition, inputs, state, context, secrets, step, actor: job.actor,
        recordFinding: (retiringCheck) => steps.changeRunLater({ retiringCheck }),
        ...(job.overrideHold ? { overriddenBy: job.actor } : {}),
      });
      if (guard === "held") {
        await steps.flush(db);
        return { runId: run.id, rotatorId: rotator.id, status: "held", errorCode: "rotation:held" };
      }
      const prepared = await step("plan", () => definition.prepare({ inputs, state, context }), (p) =>
        [describePending(p.pending, definition), ...(p.warnings ?? []).map((w) => `Warning: ${w}`)].filter(Boolean).join(" ") || undefined,
      );
      pending = prepared.pending;
    }

    const apply = async () => definition.apply({ inputs, state, pending: pending!, context, resumed: resumedPending });
    const describeApplied: Describe<Awaited<ReturnType<typeof apply>>> = (r) => [describePending(r.pending, definition), ...(r.notes ?? [])].filter(Boolean).join(" ") || undefined;
    let applied: Awaited<ReturnType<typeof apply>>;
    if (resumedPending) {
      applied = await step("apply", apply, describeApplied);
    } else {
      // The write-ahead record: the plan's finish, the pending credential and the start of apply in one
      // statement, durable before apply touches the target (and nothing of it without the pending credential).
      const record = pendingRecord(pending!);
      checkLease();
      currentStep = { name: "apply" };
      const applyId = await steps.recordPendingAndStart(db, {
        pendingCiphertext: record!.ciphertext,
        recorded: { name: "persist pending", message: "Pending credential recorded (encrypted) before touching the target." },
        next: "apply",
      });
      written = record!.text;
      currentStep = undefined;
      await hooks.afterStep?.("persist pending", run.id);
      applied = await runStep("apply", applyId, apply, describeApplied);
    }
    // What apply returned, if it differs from the record (a key it created, a previous it retired), is recorded
    // with verify's start, before anything else happens.
    if (applied.retiredPrevious) markPreviousRetired();
    const appliedRecord = pendingRecord(applied.pending);
    await step(
      "verify",
      () => definition.verify({ inputs, credential: applied.pending.credential, context }),
      (r) => (r.skipped ? `Verification skipped: ${r.skipped}` : "The new credential works."),
      (r) => (r.skipped ? "skipped" : "succeeded"),
      appliedRecord?.ciphertext,
    );
    if (appliedRecord) written = appliedRecord.text;

    const next = definition.commit({ state, pending: applied.pending }).state;
    // Without a grace step after it, the commit also releases the lease: nothing of the run touches the target
    // after it.
    const releasesLease = !(definition.usesGrace?.(inputs) && definition.deactivatePrevious && next.previous);
    checkLease();
    currentStep = { name: "commit" };
    await db.transaction(async (tx) => {
      // The revision number is taken first so the rotator records which revision introduced its current.
      const reserved = await reserveRevision({ tx, environmentId: rotator.environmentId });
      await updateRotatorById({
        db: tx,
        id: rotator.id,
        ...(releasesLease ? { releaseLeaseOf: owner } : {}),
        patch: {
          stateCiphertext: encryptState(keyring, rotator.id, next),
          stateSummary: stateSummary(rotator.type, next),
          lastRotatedAt: new Date(),
          stateRevision: reserved.after,
          lastRunId: run.id,
          failingSince: null,
          lastError: null,
        },
      });
      const revision = await recordRevision({
        tx,
        keyring,
        environmentId: rotator.environmentId,
        reason: `rotated ${rotator.name}`,
        actor: job.actor,
        changedRotators: [rotator.name],
        rotatorEntries: { [rotator.name]: { type: rotator.type, ...next } },
        reserved,
      });
      await insertAuditEvent({
        tx,
        event: {
          ...byActor(job.actor),
          action: "rotation.succeeded",
          targetType: "rotator",
          targetId: rotator.id,
          targetLabel: rotator.name,
          details: { runId: run.id, type: rotator.type, trigger: run.trigger, revision: revision.after, current: stateSummary(rotator.type, next).current },
        },
      });
      // The run's outcome, verify's finish and the commit as a step that is done (one statement): committed
      // with the new state or not at all.
      await steps.writeWith(tx, {
        run: { status: "succeeded", pendingCiphertext: null, finishedAt: new Date(), revisionAfter: revision.after, errorCode: null, errorMessage: null },
        done: [{ name: "commit", status: "succeeded", message: `Environment revision ${revision.after}.` }],
      });
    });
    currentStep = undefined;
    leaseReleased = releasesLease;
    await hooks.afterStep?.("commit", run.id);
    if (!releasesLease) {
      await deactivateCommittedPrevious({ definition, inputs, state: next, context, step, secrets });
      await steps.flush(db);
    }
    return { runId: run.id, rotatorId: rotator.id, status: "succeeded" };
  } catch (error) {
    if (error instanceof SimulatedCrash) {
      crashed = true;
      throw error;
    }
    return await recordFailure(app, { job, error, secrets, steps, failedStep: currentStep, retiredPrevious: previousRetired ? loadState(keyring, rotator).previous : null });
  } finally {
    clearInterval(heartbeat);
    // Also after a (simulated) crash: a dead process's connections close with it.
    await runScope.close();
    // A (simulated) dead process releases nothing: its lease runs out and the next attempt resumes the run.
    if (!crashed && !leaseReleased) {
      await releaseRotatorLease({ db, id: rotator.id, owner }).catch((e) => logError("could not release a rotator lease", e, { rotatorId: rotator.id }));
    }
  }
}

/**
 * Grace, after the commit: the new previous is put out of use (kept for a rollback). The rotation is committed
 * already, so a failure here does not fail the run: the step says what happened and the credential simply stays
 * usable until the next rotation removes it.
 */
async function deactivateCommittedPrevious(args: {
  definition: ReturnType<typeof getRotatorDefinition>;
  inputs: unknown;
  state: RotatorState;
  context: RotatorContext;
  step: <T>(name: StepName, body: () => Promise<T>, describe?: (r: T) => string | undefined, statusOf?: (r: T) => "succeeded" | "skipped") => Promise<T>;
  secrets: string[];
}) {
  const { definition, state } = args;
  const name = state.previous ? credentialName(state.previous, definition) : undefined;
  await args.step(
    "deactivate previous",
    () =>
      definition.deactivatePrevious!({ inputs: args.inputs, state, context: args.context }).then(
        () => null,
        (error: unknown) => toAppError(error, { secrets: args.secrets }).message,
      ),
    (failure) =>
      failure
        ? `Could not deactivate the previous credential${name ? ` ${name}` : ""}: ${failure} It stays usable until the next rotation removes it.`
        : `The previous credential${name ? ` ${name}` : ""} was deactivated (grace): Roll back reactivates it; the next rotation deletes it.`,
    (failure) => (failure ? "skipped" : "succeeded"),
  );
}

/** A credential's first non-secret field (a username, an access key id), which names it. */
function credentialName(credential: Credential, meta: RotatorMeta): string | undefined {
  const secretKeys = secretKeysOf(meta, credential);
  return Object.entries(credential).find(([key]) => !secretKeys.includes(key))?.[1];
}

/** Names the credential being installed. */
function describePending(pending: Pending, meta: RotatorMeta): string | undefined {
  const name = pending.credential ? credentialName(pending.credential, meta) : undefined;
  return name ? `Target credential: ${name}.` : undefined;
}

/** The last run failed with a pending credential: let the rotator clean up, then forget it. */
async function abandonFailedAttempt(
  app: AppContext,
  args: {
    rotator: RotatorRow;
    inputs: unknown;
    state: RotatorState;
    context: RotatorContext;
    step: <T>(name: StepName, body: () => Promise<T>, describe?: (r: T) => string | undefined) => Promise<T>;
  },
) {
  const { db, keyring } = app;
  // Only a failure sets failingSince, in the transaction that records the failed run, and only a commit clears
  // it, with a succeeded run that comes later: a rotator that is not failing has no failed attempt to abandon
  // (and the read is spared).
  if (!args.rotator.failingSince) return;
  const last = await getLastFinishedRunByRotator({ db, rotatorId: args.rotator.id });
  if (!last || last.status !== "failed" || !last.pendingCiphertext) return;
  const definition = getRotatorDefinition(args.rotator.type);
  const pending = decryptPending(keyring, last.id, last.pendingCiphertext);
  await args.step(
    "abandon previous attempt",
    async () => {
      await definition.abandon?.({ inputs: args.inputs, state: args.state, pending, context: args.context });
      await updateRunById({ db, id: last.id, patch: { pendingCiphertext: null } });
    },
    () => "The failed attempt's pending credential was discarded; a fresh one will be generated.",
  );
}

/**
 * A failed run: recorded on the run, the rotator and in the audit. `retiredPrevious` is the previous credential
 * the rotator reported dead before the failure (an IAM key it deleted, a password it replaced): it is taken out
 * of the state in the same transaction, with a revision, so the environment never offers a dead credential.
 */
async function recordFailure(
  app: AppContext,
  { job, error, secrets, steps, failedStep, retiredPrevious }: {
    job: RunJob;
    error: unknown;
    secrets: string[];
    steps: RunSteps;
    /** The step the run failed in (without an id when it failed while its start was written). */
    failedStep?: { id?: number; name: StepName };
    retiredPrevious: Credential | null;
  },
): Promise<RunOutcome> {
  const { db, keyring } = app;
  const { rotator, run } = job;
  const failure = toAppError(error, { secrets, context: `rotation ${run.id}`, fields: { runId: run.id, rotatorId: rotator.id } });
  const { code } = failure;
  let { message } = failure;
  // toAppError logs only the unexpected; a failure the rotator explained is logged here, with its cause (the
  // driver's own words: a refused connection, a timeout), redacted.
  if (isAppError(error) || isRotatorError(error)) {
    logError(`rotation ${run.id} of ${rotator.name} failed (${code})`, redactedError(error, secrets), { runId: run.id, rotatorId: rotator.id });
  }
  const retiredName = retiredPrevious ? credentialName(retiredPrevious, getRotatorDefinition(rotator.type)) : null;
  if (retiredPrevious) {
    message = `${message} The previous credential${retiredName ? ` (${retiredName})` : ""} no longer works at the target, so it was removed from the environment.`;
  }
  try {
    await db.transaction(async (tx) => {
      if (retiredPrevious) {
        const fresh = await getRotatorById({ db: tx, id: rotator.id });
        const state = fresh ? loadState(keyring, fresh) : null;
        // Only the previous the run started from: if it changed meanwhile (it cannot while we hold the lease),
        // the newer state wins.
        if (fresh && state && JSON.stringify(state.previous) === JSON.stringify(retiredPrevious)) {
          const next: RotatorState = { current: state.current, previous: null };
          await updateRotatorById({ db: tx, id: rotator.id, patch: { stateCiphertext: encryptState(keyring, rotator.id, next), stateSummary: stateSummary(rotator.type, next) } });
          await recordRevision({
            tx,
            keyring,
            environmentId: rotator.environmentId,
            reason: `previous credential of ${rotator.name} retired by a failed rotation`,
            actor: job.actor,
            changedRotators: [rotator.name],
          });
        }
      }
      // The pending credential stays (encrypted) on the failed run until the next attempt abandons it, so
      // anything apply created at the target can still be cleaned up.
      await steps.writeFailure(tx, failedStep, message, { status: "failed", finishedAt: new Date(), errorCode: code, errorMessage: message });
      const fresh = await getRotatorById({ db: tx, id: rotator.id });
      await updateRotatorById({ db: tx, id: rotator.id, patch: { failingSince: fresh?.failingSince ?? new Date(), lastError: message, lastRunId: run.id } });
      await insertAuditEvent({
        tx,
        event: {
          ...byActor(job.actor),
          action: "rotation.failed",
          outcome: "failure",
          targetType: "rotator",
          targetId: rotator.id,
          targetLabel: rotator.name,
          details: { runId: run.id, type: rotator.type, trigger: run.trigger, code, error: message, ...(retiredPrevious ? { previousRetired: retiredName ?? true } : {}) },
        },
      });
    });
  } catch (recordError) {
    logError(`could not record the failure of run ${run.id}`, recordError, { runId: run.id, rotatorId: rotator.id });
  }
  return { runId: run.id, rotatorId: rotator.id, status: "failed", errorCode: code, errorMessage: message, retryable: failure.retryable };
}
