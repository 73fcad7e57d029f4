import "server-only";
/** Scheduler settings from the environment (lib/env.ts, documented in .env.example). */
import type { Env } from "../env";
import type { SchedulerOptions } from "./scheduler";

export function schedulerOptionsFromEnv(config: Env): SchedulerOptions {
  const s = config.scheduler;
  return {
    concurrency: s.concurrency,
    pollMs: s.pollMs,
    minIntervalMs: s.minIntervalMs,
    retry: s.retry,
    overdueGraceMs: s.overdueGraceMs,
    shutdownGraceMs: s.shutdownGraceMs,
    leaseTtlMs: s.leaseMs,
    notifications: {
      publicUrl: config.publicUrl,
      maxAttempts: config.webhooks.maxAttempts,
      timeoutMs: config.webhooks.timeoutMs,
      checkpoints: { everyEvents: config.audit.checkpointEveryEvents, everyMs: config.audit.checkpointEveryMinutes * 60_000 },
    },
  };
}
