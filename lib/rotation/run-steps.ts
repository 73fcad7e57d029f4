import "server-only";
/**
 * A run's step rows, written with as few statements as the page and recovery allow: on the embedded store
 * every statement costs about half a millisecond, more than the work of most steps (bench/engine.ts counts
 * the statements of one rotation).
 *
 * A step's row is inserted, as running, when the step starts: the run's page polls the steps, and a long apply
 * or verify must show as running while it lasts. Its finish is not written on its own: it goes with the next
 * write of the run (the next step's start, the write-ahead record, the commit, the failure), in the same
 * statement or transaction, a moment later. So do changes to the run that need not be durable at once (the
 * lockout guard's finding). What a crash can lose that way is the finish of a step that has ended: recovery
 * then shows that step as interrupted (INTERRUPTED_STEP_MESSAGE) and goes by the run's status and write-ahead
 * record alone, never by its steps, so it resumes exactly as it would have.
 */
import type { DbOrTx } from "../db/client";
import type { RotationStep } from "../db/schema";
import { advanceSteps, type NewStep, type RunPatch, type StepFinish } from "../db/queries/runs";

export class RunSteps {
  /** The step that ended but whose row still says running. */
  private unwritten: StepFinish | undefined;
  /** A change to the run that waits for the next write. */
  private runChange: RunPatch = {};

  constructor(private readonly runId: string) {}

  /**
   * Inserts the step as running, with the previous step's finish (and `run`, a change to the run, such as a
   * new write-ahead record) in the same statement; its row id.
   */
  async start(db: DbOrTx, name: string, run?: RunPatch): Promise<number> {
    const [id] = await this.write(db, { run, steps: [{ name, status: "running" }] });
    return id;
  }

  /**
   * The write-ahead record, in one statement: the previous step's finish, the pending credential (encrypted)
   * on the run, `recorded` as a step that is done, and `next` started. Nothing of it can be committed without
   * the rest, so a run that reached `next` always has its pending credential.
   */
  async recordPendingAndStart(db: DbOrTx, { pendingCiphertext, recorded, next }: { pendingCiphertext: string; recorded: { name: string; message: string }; next: string }): Promise<number> {
    const now = new Date();
    const ids = await this.write(db, {
      run: { pendingCiphertext },
      steps: [
        { name: recorded.name, status: "succeeded", message: recorded.message, finishedAt: now },
        { name: next, status: "running" },
      ],
    });
    return ids[1];
  }

  /** Remembers how a step ended; written with the run's next write (or `flush`). */
  finish(id: number, status: RotationStep["status"], message: string | null): void {
    this.unwritten = { id, status, message, finishedAt: new Date() };
  }

  /** A change to the run that may wait for its next write (losing it in a crash loses nothing recovery needs). */
  changeRunLater(patch: RunPatch): void {
    this.runChange = { ...this.runChange, ...patch };
  }

  /**
   * Inside the transaction that ends the run: the last step's finish, `run` (the outcome) and `done` steps
   * recorded as finished. What waited stays remembered (writing it again changes nothing), so a transaction that
   * rolls back loses nothing of it.
   */
  async writeWith(tx: DbOrTx, { run, done = [] }: { run: RunPatch; done?: Omit<NewStep, "finishedAt">[] }): Promise<void> {
    const now = new Date();
    await this.write(tx, { run, steps: done.map((s) => ({ ...s, finishedAt: now })) }, { keep: true });
  }

  /** A failed run, in its failure transaction: the running step `failed` (or, if it has no row yet, a new one). */
  async writeFailure(tx: DbOrTx, failed: { id?: number; name: string } | undefined, message: string, run: RunPatch): Promise<void> {
    const now = new Date();
    const finished = failed?.id === undefined ? [] : [{ id: failed.id, status: "failed" as const, message, finishedAt: now }];
    const steps = failed && failed.id === undefined ? [{ name: failed.name, status: "failed" as const, message, finishedAt: now }] : [];
    await this.write(tx, { finished, run, steps }, { keep: true });
  }

  /** Writes what waits now (the run ends without another write of its steps). */
  async flush(db: DbOrTx): Promise<void> {
    if (this.unwritten || Object.keys(this.runChange).length > 0) await this.write(db, {});
  }

  private async write(db: DbOrTx, parts: { finished?: StepFinish[]; run?: RunPatch; steps?: NewStep[] }, { keep = false } = {}): Promise<number[]> {
    const [finish, change] = [this.unwritten, this.runChange];
    const ids = await advanceSteps({
      db,
      runId: this.runId,
      finished: [...(finish ? [finish] : []), ...(parts.finished ?? [])],
      run: { ...change, ...parts.run },
      steps: parts.steps,
    });
    // Only once written (a statement that failed leaves it to the next write).
    if (!keep && this.unwritten === finish) this.unwritten = undefined;
    if (!keep && this.runChange === change) this.runChange = {};
    return ids;
  }
}
