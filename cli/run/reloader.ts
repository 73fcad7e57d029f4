/**
 * When and how the child of `rotor run --watch` picks up a new revision. The rules, from the two-user
 * strategy (a rotation retires the *previous* credential, so the child must be on the current one before the
 * next rotation):
 * - Only a change of the child's environment matters: a revision that leaves the exported variables as
 *   they are does nothing.
 * - Restarts are serialized and the newest revision wins: a revision that lands while a restart waits in its
 *   jitter is picked up by that restart (no second restart, no older values); one that lands during a restart
 *   leads to another once the first is done.
 * - The jitter (a random delay within --jitter, so a fleet does not restart at once) never runs past the
 *   moment the child's credential may stop working (`previousValidUntil`, minus the grace period), and is
 *   skipped when the child's credential is already retired (neither current nor previous any more: two
 *   rotations came faster than the child moved).
 */
import type { OpenedEnvironment } from "../api-types";

export interface ReloadAction {
  /** Restart the child with these variables, or signal it (after writing them where it can read them). */
  (doc: OpenedEnvironment): Promise<void>;
}

export interface ReloaderOptions {
  /** The document the child was started with. */
  running: OpenedEnvironment;
  apply: ReloadAction;
  jitterMs: number;
  /** Time to leave before `previousValidUntil` for the restart itself. */
  graceMs: number;
  log: (line: string) => void;
  /** Called when `apply` fails (the child could not be started again): `rotor run` ends with this error. */
  onFatal: (error: unknown) => void;
  random?: () => number;
  now?: () => number;
}

export class Reloader {
  private running: OpenedEnvironment;
  private latest: OpenedEnvironment;
  private timer: NodeJS.Timeout | undefined;
  private deadline = 0;
  private applying = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: ReloaderOptions) {
    this.running = options.running;
    this.latest = options.running;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** The revision the child runs with. */
  get runningRevision(): number {
    return this.running.revision;
  }

  /** A document opened after a revision landed; older or equal revisions are ignored. */
  offer(doc: OpenedEnvironment): void {
    if (this.closed || doc.revision <= this.latest.revision) return;
    if (this.timer || this.applying) this.options.log(`revision ${doc.revision} arrived while a restart is under way: the restart will use it`);
    this.latest = doc;
    this.reconcile();
  }

  /** Stops planning (rotor run is ending); a restart in progress finishes. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.settle();
  }

  /** Resolves once nothing is pending or in progress (tests, and shutdown). */
  idle(): Promise<void> {
    if (!this.timer && !this.applying) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private reconcile(): void {
    if (this.closed || this.applying) return;
    if (sameVariables(this.running.exports, this.latest.exports)) {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.latest.revision !== this.running.revision) {
        this.options.log(`revision ${this.latest.revision}: the exported variables did not change; nothing to do`);
      }
      this.running = this.latest;
      this.settle();
      return;
    }
    const now = this.now();
    const retired = retiredRotators(this.running, this.latest);
    let deadline: number;
    if (retired.length) {
      deadline = now;
      this.options.log(
        `revision ${this.latest.revision}: the credential of ${retired.join(", ")} the command holds has been retired; restarting now`,
      );
    } else if (this.timer) {
      return; // the pending restart will take the newest values
    } else {
      const delay = this.plannedDelay(now);
      deadline = now + delay;
      this.options.log(`revision ${this.latest.revision}: the exported variables changed; reloading in ${(delay / 1000).toFixed(1)} s`);
    }
    if (this.timer && deadline >= this.deadline) return;
    clearTimeout(this.timer);
    this.deadline = deadline;
    this.timer = setTimeout(() => void this.fire(), Math.max(0, deadline - now));
  }

  private plannedDelay(now: number): number {
    let delay = this.random() * this.options.jitterMs;
    // The child's credential is now `previous`: it must be gone from the child before it may stop working.
    for (const [name, held] of Object.entries(this.running.rotators)) {
      const after = this.latest.rotators[name];
      if (!after?.previousValidUntil || !held.current || !sameCredential(held.current, after.previous)) continue;
      const latestSafe = Date.parse(after.previousValidUntil) - now - this.options.graceMs;
      delay = Math.min(delay, Math.max(0, latestSafe));
    }
    return Math.round(delay);
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return this.settle();
    this.applying = true;
    const doc = this.latest;
    try {
      await this.options.apply(doc);
      this.running = doc;
    } catch (error) {
      this.closed = true;
      this.options.onFatal(error);
    } finally {
      this.applying = false;
    }
    this.reconcile();
    this.settle();
  }

  private settle(): void {
    if (this.timer || this.applying) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

export function sameVariables(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

function sameCredential(a: Record<string, string> | null, b: Record<string, string> | null | undefined): boolean {
  return Boolean(a && b && sameVariables(a, b));
}

/** Rotators whose credential the child holds (its `current`) is neither current nor previous any more. */
export function retiredRotators(running: OpenedEnvironment, latest: OpenedEnvironment): string[] {
  return Object.entries(running.rotators)
    .filter(([name, held]) => {
      const after = latest.rotators[name];
      return held.current && after && !sameCredential(held.current, after.current) && !sameCredential(held.current, after.previous);
    })
    .map(([name]) => name);
}
