import "server-only";
/**
 * The scheduler loop. One per process — inside the Rotor server by default, and in every `npm run worker`
 * process — all sharing the store:
 *
 *   every poll, and as soon as a run finishes:
 *     claim up to (concurrency − running) due schedules   one claim at a time per process, with row leases
 *     run each claimed schedule in the background         rotateNow per rotator (the engine's own lease keeps
 *                                                           a rotator from ever rotating twice at once)
 *   every poll, and within a second of a run finishing:
 *     collect notifications, send due webhook deliveries  (lib/webhooks/notifier.ts)
 *
 * A finished run's slot is refilled at once, not after the loop's notification sweep: while draining a
 * backlog the sweep (a dozen statements) would otherwise sit between every rotation and the next, and a
 * backlog of due schedules would drain at the sweep's pace, not the rotations' (bench/drain.ts measures it).
 *
 * Exactly once: a due schedule is leased to one process; the lease is renewed while the run lasts and
 * released by the same statement that records the outcome and plans the next run. A process that dies
 * leaves its lease to expire; another process then claims the schedule and the engine resumes the
 * interrupted run from its write-ahead record.
 *
 * Missed runs: the next run is planned from the claim time, so after downtime a schedule runs once and then
 * continues on its regular times.
 *
 * Shutdown (`stop`): no new claims; running rotations get `shutdownGraceMs` to finish; what is still running
 * then stays leased and is resumed by the next scheduler once the leases expire (nothing is lost or doubled).
 */
import { randomUUID } from "node:crypto";
import type { AppContext, Actor } from "../app-context";
import type { Schedule } from "../db/schema";
import { beatSchedulerHeartbeat, deleteSchedulerHeartbeat } from "../db/queries/scheduler-heartbeats";
import {
  claimDueSchedules,
  finishLeasedSchedule,
  lockLeasedSchedule,
  releaseScheduleLease,
  renewScheduleLease,
  updateScheduleById,
  type ClaimedRotator,
  type ClaimedSchedule,
} from "../db/queries/schedules";
import { getRotatorById, listRotatorsByEnvironment } from "../db/queries/rotators";
import { getRunById } from "../db/queries/runs";
import type { DbOrTx } from "../db/client";
import { rotateNow, type EngineOptions } from "../rotation/engine";
import { isAppError } from "../errors";
import { collectNotifications, deliverDueWebhooks, pruneDeliveryLog, type CollectOptions, type NotifierOptions } from "../webhooks/notifier";
import type { RetryPolicy } from "../backoff";
import { describeStoredSchedule } from "./schedule-spec";
import { finishPatch, runKindOf, type FinishInput, type TargetResult } from "./outcome";
import { logError, logInfo } from "../log";
import { pruneRevisionHistory } from "../environments/revisions";
import { leaseOwner } from "../rotation/lease-owner";

export const SCHEDULER_ACTOR: Actor = { id: null, label: "scheduler" };

export interface SchedulerOptions {
  /** Lease owner name; lib/rotation/lease-owner.ts by default. */
  owner?: string;
  /** Rotations this process runs at the same time. */
  concurrency: number;
  pollMs: number;
  minIntervalMs: number;
  retry: RetryPolicy;
  overdueGraceMs: number;
  shutdownGraceMs: number;
  /** Schedule lease (ROTOR_LEASE_SECONDS); renewed every third of it while a run lasts. */
  leaseTtlMs?: number;
  /** How long to put off a run whose rotator is being rotated by someone else. */
  busyDelayMs?: number;
  engine?: EngineOptions;
  /** Webhook delivery settings; null turns notifications off in this process. */
  notifications: Omit<NotifierOptions, "owner" | "overdueGraceMs"> | null;
  random?: () => number;
}

export interface SchedulerStats {
  claimed: number;
  rotations: number;
  succeeded: number;
  failed: number;
  skipped: number;
}

const DEFAULT_LEASE_TTL_MS = 2 * 60_000;
const DEFAULT_BUSY_DELAY_MS = 30_000;
/** How soon after a run finishes the loop collects notifications (at most once per this, however many finish). */
const SWEEP_AFTER_RUN_MS = 1_000;

export class Scheduler {
  readonly owner: string;
  readonly stats: SchedulerStats = { claimed: 0, rotations: 0, succeeded: 0, failed: 0, skipped: 0 };
  private stopping = false;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private delivering: Promise<void> | null = null;
  private lastSweep = 0;
  /** A run finished since the last sweep: its outcome may be worth notifying soon. */
  private sweepWanted = false;
  private lastBeat = 0;
  private claiming: Promise<void> | null = null;
  private claimAgain = false;
  private lastPrune = 0;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private woken = false;
  private readonly notifier: CollectOptions | null;

  constructor(
    private readonly app: AppContext,
    private readonly options: SchedulerOptions,
  ) {
    this.owner = options.owner ?? leaseOwner("scheduler");
    this.notifier = options.notifications
      ? { ...options.notifications, owner: this.owner, overdueGraceMs: options.overdueGraceMs, describeSchedule: describeStoredSchedule }
      : null;
  }

  get running(): number {
    return this.inFlight.size;
  }

  get started(): boolean {
    return this.loop !== null && !this.stopping;
  }

  start(): void {
    if (this.loop) return;
    this.loop = (async () => {
      while (!this.stopping) {
        await this.tick().catch((error) => logError("scheduler tick failed", error));
        if (this.stopping) break;
        // A wanted sweep is due a second after the last one, which may be sooner than the next poll.
        const untilSweep = this.sweepWanted ? Math.max(0, this.lastSweep + SWEEP_AFTER_RUN_MS - Date.now()) : Infinity;
        await this.sleep(Math.min(this.options.pollMs, untilSweep));
      }
    })();
  }

  /**
   * Stops claiming, then waits up to `shutdownGraceMs` for running rotations. Returns how many were still
   * running (left leased, to be resumed elsewhere or after restart).
   */
  async stop(): Promise<{ stillRunning: number }> {
    if (this.stopping) return { stillRunning: this.inFlight.size };
    this.stopping = true;
    this.wake();
    await this.loop;
    // A claim under way launches its runs after this: wait for it, so that they get the grace period too.
    await this.claiming;
    await deleteSchedulerHeartbeat({ db: this.app.db, owner: this.owner }).catch((error) => logError("scheduler heartbeat could not be removed", error));
    const settled = Promise.allSettled([...this.inFlight, ...(this.delivering ? [this.delivering] : [])]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.options.shutdownGraceMs);
    });
    const finished = await Promise.race([settled, timeout]);
    clearTimeout(timer);
    const stillRunning = finished ? 0 : this.inFlight.size;
    if (stillRunning > 0) {
      logInfo(`scheduler stopping with ${stillRunning} rotation(s) still running; their leases will expire and they will be resumed`);
    }
    return { stillRunning };
  }

  /**
   * A rotation this process runs outside a schedule (a run resumed at start, lib/rotation/recovery.ts):
   * `stop` gives it the same grace period as the scheduled ones.
   */
  adopt(run: Promise<unknown>): void {
    const tracked: Promise<void> = run
      .then(() => undefined, (error) => logError("a resumed rotation ended unexpectedly", error))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** One pass: claim and start due schedules, then notifications. Exposed for tests. */
  async tick(): Promise<void> {
    if (!this.stopping) {
      // Seen by /api/metrics (rotor_scheduler_processes): "no scheduler runs anywhere" is an alert. Its TTL is
      // at least 30 s: beating on every tick (each finished run wakes one) would add nothing but a statement.
      if (Date.now() - this.lastBeat >= Math.min(this.options.pollMs, 5_000)) {
        this.lastBeat = Date.now();
        await beatSchedulerHeartbeat({ db: this.app.db, owner: this.owner, ttlMs: Math.max(3 * this.options.pollMs, 30_000) }).catch((error) =>
          logError("scheduler heartbeat failed", error),
        );
      }
      await this.fill();
    }
    const sweepAfter = this.sweepWanted ? Math.min(this.options.pollMs, SWEEP_AFTER_RUN_MS) : Math.min(this.options.pollMs, 5_000);
    if (this.notifier && Date.now() - this.lastSweep >= sweepAfter) {
      this.lastSweep = Date.now();
      this.sweepWanted = false;
      await collectNotifications(this.app, this.notifier).catch((error) => logError("collecting notifications failed", error));
      this.delivering ??= this.deliverAll().finally(() => {
        this.delivering = null;
      });
      if (Date.now() - this.lastPrune > 60 * 60_000) {
        this.lastPrune = Date.now();
        await pruneDeliveryLog(this.app).catch((error) => logError("pruning the webhook delivery log failed", error));
        await pruneRevisionHistory(this.app).catch((error) => logError("pruning environment revisions failed", error));
      }
    }
  }

  /** Resolves when nothing is running or being delivered (tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.delivering) {
      await Promise.allSettled([...this.inFlight, ...(this.delivering ? [this.delivering] : [])]);
    }
  }

  private get leaseTtlMs() {
    return this.options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  /**
   * Claims due schedules for the free slots and launches them. One claim at a time in this process: two at
   * once would both count the same free slots and together take more than the concurrency. A call during a
   * claim makes that claim look again when it is done (a slot may have been freed meanwhile).
   */
  private fill(): Promise<void> {
    if (this.claiming) {
      this.claimAgain = true;
      return this.claiming;
    }
    const claiming = (async () => {
      do {
        this.claimAgain = false;
        const free = this.options.concurrency - this.inFlight.size;
        if (this.stopping || free <= 0) return;
        const claimed = await claimDueSchedules({ db: this.app.db, owner: this.owner, ttlMs: this.leaseTtlMs, limit: free });
        for (const claim of claimed) this.launch(claim);
      } while (this.claimAgain);
    })()
      .catch((error) => logError("claiming due schedules failed", error))
      .finally(() => {
        this.claiming = null;
      });
    this.claiming = claiming;
    return claiming;
  }

  private launch(claimed: ClaimedSchedule) {
    this.stats.claimed++;
    const { id } = claimed.schedule;
    const run: Promise<void> = this.runSchedule(claimed)
      .catch((error) => logError(`scheduled run of schedule ${id} failed`, error, { scheduleId: id }))
      .finally(() => {
        this.inFlight.delete(run);
        // A slot is free: fill it now. The outcome may be worth notifying: the loop sweeps within a second.
        if (!this.stopping) void this.fill();
        this.sweepWanted = true;
        this.wake();
      });
    this.inFlight.add(run);
  }

  private async deliverAll(): Promise<void> {
    if (!this.notifier) return;
    const batch = this.notifier.concurrency ?? 4;
    try {
      while (!this.stopping) {
        const outcomes = await deliverDueWebhooks(this.app, this.notifier);
        if (outcomes.length < batch) break;
      }
    } catch (error) {
      logError("webhook delivery failed", error);
    }
  }

  private async runSchedule({ schedule, version, rotator }: ClaimedSchedule): Promise<void> {
    const { db } = this.app;
    const claimedAt = new Date();
    const kind = runKindOf(schedule);
    const trigger = kind === "retry" ? "retry" : "schedule";
    const heartbeat = setInterval(() => {
      renewScheduleLease({ db, id: schedule.id, owner: this.owner, ttlMs: this.leaseTtlMs })
        .then((held) => {
          if (!held) logError(`scheduler lost the lease of schedule ${schedule.id}`, undefined, { scheduleId: schedule.id });
        })
        .catch(() => undefined);
    }, Math.max(1000, Math.floor(this.leaseTtlMs / 3)));
    heartbeat.unref?.();

    const results: TargetResult[] = [];
    let interrupted = false;
    try {
      const targets = await this.targetsOf(schedule, kind);
      const batchId = schedule.environmentId ? randomUUID() : undefined;
      for (const rotatorId of targets) {
        if (this.stopping && results.length > 0) {
          interrupted = true;
          break;
        }
        // A rotator schedule's rotator came with the claim; an environment's rotators are read one by one,
        // each just before its turn (an earlier one's rotation may take a while).
        const state = schedule.rotatorId ? rotator : await this.rotatorState(rotatorId, trigger);
        results.push(await this.rotateOne(rotatorId, state, { trigger, batchId, claimedAt, guard: kind === "regular" }));
      }
    } finally {
      clearInterval(heartbeat);
    }

    const finish: FinishInput = {
      kind,
      claimedAt,
      now: new Date(),
      results,
      interrupted,
      minIntervalMs: this.options.minIntervalMs,
      retry: this.options.retry,
      busyDelayMs: this.options.busyDelayMs ?? DEFAULT_BUSY_DELAY_MS,
      random: this.options.random,
    };
    try {
      // Usually nobody touched the schedule during the run: plan from the claimed row, record and release in
      // one statement. Otherwise (edited or paused meanwhile, deleted, or the lease lost) take the row as it
      // is now, so that the edit is what the next run is planned from.
      if (await finishLeasedSchedule({ db, id: schedule.id, owner: this.owner, version, patch: finishPatch(schedule, finish) })) return;
      await db.transaction(async (tx) => {
        const current = await lockLeasedSchedule({ tx, id: schedule.id, owner: this.owner });
        if (!current) return; // deleted meanwhile, or the lease was lost (logged by the heartbeat)
        await updateScheduleById({ db: tx, id: schedule.id, patch: { ...finishPatch(current, finish), leaseOwner: null, leaseExpiresAt: null } });
      });
    } catch (error) {
      logError(`could not record the outcome of schedule ${schedule.id}; it will be taken up again when its lease expires`, error, { scheduleId: schedule.id });
      await releaseScheduleLease({ db, id: schedule.id, owner: this.owner }).catch(() => undefined);
    }
  }

  private async targetsOf(schedule: Schedule, kind: "regular" | "retry"): Promise<string[]> {
    if (schedule.rotatorId) return [schedule.rotatorId];
    if (!schedule.environmentId) return [];
    const all = (await listRotatorsByEnvironment({ db: this.app.db, environmentId: schedule.environmentId })).map((r) => r.id);
    if (kind === "retry" && schedule.retryRotatorIds) return all.filter((id) => schedule.retryRotatorIds!.includes(id));
    return all;
  }

  /** What rotateOne checks about a rotator, read now; null when it is gone. */
  private async rotatorState(rotatorId: string, trigger: "schedule" | "retry"): Promise<ClaimedRotator | null> {
    const { db } = this.app;
    const rotator = await getRotatorById({ db, id: rotatorId });
    if (!rotator) return null;
    // Only a retry of a rotator that works again asks about its last run.
    const held = trigger === "retry" && !rotator.failingSince && (await lastRunHeld(db, rotator.lastRunId));
    return { lastRotatedAt: rotator.lastRotatedAt, failingSince: rotator.failingSince, lastRunHeld: held };
  }

  private async rotateOne(
    rotatorId: string,
    rotator: ClaimedRotator | null,
    { trigger, batchId, claimedAt, guard }: { trigger: "schedule" | "retry"; batchId?: string; claimedAt: Date; guard: boolean },
  ): Promise<TargetResult> {
    if (!rotator) return { rotatorId, status: "gone" };
    // The minimum-interval guard at run time: a rotator rotated moments ago (by hand, or by another
    // schedule covering it) is not rotated again by a regular run. Retries follow failures and are exempt.
    if (guard && rotator.lastRotatedAt && claimedAt.getTime() - rotator.lastRotatedAt.getTime() < this.options.minIntervalMs) {
      this.stats.skipped++;
      return { rotatorId, status: "skipped" };
    }
    // A retry is moot once the rotator works again (someone pressed Rotate now meanwhile), unless the last
    // run was held by the lockout guard: then the retry is the deferred rotation itself.
    if (trigger === "retry" && !rotator.failingSince && !rotator.lastRunHeld) {
      this.stats.skipped++;
      return { rotatorId, status: "skipped" };
    }
    try {
      this.stats.rotations++;
      const outcome = await rotateNow(this.app, { rotatorId, trigger, actor: SCHEDULER_ACTOR, batchId }, this.options.engine);
      if (outcome.status === "succeeded") this.stats.succeeded++;
      else if (outcome.status === "failed") this.stats.failed++;
      return { rotatorId, status: outcome.status, retryable: outcome.retryable };
    } catch (error) {
      if (isAppError(error) && error.code === "rotation:busy") return { rotatorId, status: "busy" };
      if (isAppError(error) && error.code === "not-found") return { rotatorId, status: "gone" };
      this.stats.failed++;
      logError(`scheduled rotation of rotator ${rotatorId} could not run`, error, { rotatorId });
      return { rotatorId, status: "failed" };
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeper = null;
        resolve();
      }, ms);
      this.sleeper = { timer, resolve };
    });
  }

  private wake() {
    const sleeper = this.sleeper;
    if (!sleeper) {
      // Woken while busy in a tick: do not sleep after it.
      this.woken = true;
      return;
    }
    this.sleeper = null;
    clearTimeout(sleeper.timer);
    sleeper.resolve();
  }
}

async function lastRunHeld(db: DbOrTx, runId: string | null): Promise<boolean> {
  return runId ? (await getRunById({ db, id: runId }))?.status === "held" : false;
}
