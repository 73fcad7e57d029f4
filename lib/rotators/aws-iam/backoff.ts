/**
 * Waiting out IAM's eventual consistency: a new access key is typically refused for 5–10 s after
 * CreateAccessKey. Exponential backoff, capped per wait and bounded in total, on an injectable clock so tests
 * run the whole loop in milliseconds.
 */

export interface BackoffSettings {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
}

export type AttemptOutcome<T> = { done: true; value: T } | { done: false; reason: string };

export interface WaitOptions<T> {
  /** One try. Return `{ done: false, reason }` to try again later; throw to stop waiting at once. */
  attempt: () => Promise<AttemptOutcome<T>>;
  timeoutMs: number;
  backoff: BackoffSettings;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

export type WaitResult<T> =
  | { ok: true; value: T; attempts: number; waitedMs: number }
  | { ok: false; attempts: number; waitedMs: number; lastReason: string };

/** The delays the loop sleeps, in order, before it is cut short by the timeout. */
export function* backoffDelays({ initialDelayMs, maxDelayMs, multiplier }: BackoffSettings): Generator<number> {
  let delay = initialDelayMs;
  for (;;) {
    yield Math.min(delay, maxDelayMs);
    delay = Math.min(delay * multiplier, maxDelayMs);
  }
}

/**
 * Try until done or `timeoutMs` has passed. The last sleep is shortened so the final attempt happens at the
 * deadline rather than after it: a key that becomes valid at second 59 of 60 is still accepted.
 */
export async function waitWithBackoff<T>(options: WaitOptions<T>): Promise<WaitResult<T>> {
  const start = options.now();
  const delays = backoffDelays(options.backoff);
  let attempts = 0;
  let lastReason = "not tried";
  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error("aborted");
    attempts++;
    const outcome = await options.attempt();
    const waitedMs = options.now() - start;
    if (outcome.done) return { ok: true, value: outcome.value, attempts, waitedMs };
    lastReason = outcome.reason;
    const remaining = options.timeoutMs - waitedMs;
    if (remaining <= 0) return { ok: false, attempts, waitedMs, lastReason };
    await options.sleep(Math.min(delays.next().value as number, remaining));
  }
}
