/**
 * A bound on password hashes computed at once. scrypt runs on libuv's thread pool (4 threads) and is meant to
 * be expensive: unbounded, a handful of parallel sign-ins occupy every core and every pool thread, and
 * unrelated requests (/api/health, DNS lookups, file reads) wait behind them. Past `concurrency` hashes,
 * callers wait in a first-come queue; past `maxWaiting` waiting callers, `run` refuses at once with
 * HashGateBusyError instead of queueing without bound.
 */
export class HashGateBusyError extends Error {
  constructor() {
    super("Too many sign-ins are being checked right now.");
    this.name = "HashGateBusyError";
  }
}

export class HashGate {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  /** The most hashes that ever ran at once (for tests and metrics). */
  peak = 0;
  /** How many hashes were computed in all. */
  computed = 0;

  constructor(readonly limits: { concurrency: number; maxWaiting: number }) {}

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limits.concurrency) {
      this.active++;
    } else {
      if (this.queue.length >= this.limits.maxWaiting) throw new HashGateBusyError();
      // The slot is handed over by the finishing task (active stays counted), so nobody can overtake.
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.peak = Math.max(this.peak, this.active);
    try {
      this.computed++;
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}
