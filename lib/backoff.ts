/**
 * Exponential backoff with jitter, for retries of failed scheduled rotations and of webhook deliveries.
 *
 * Retry n (1-based) waits base·2^(n-1), capped at `maxDelayMs`, with "equal jitter": half of it fixed, half
 * random. The fixed half keeps a floor (a target that refused us gets real time to recover); the random
 * half spreads out many rotators that failed together, e.g. when a shared database was down.
 */
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryPolicy extends BackoffPolicy {
  /** Retries after the first failed attempt; 0 = no retry. */
  maxRetries: number;
}

export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
