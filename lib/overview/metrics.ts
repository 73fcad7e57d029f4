import "server-only";
/**
 * /api/metrics: Prometheus text exposition, written by prom-client from one registry per scrape (Rotor's
 * metrics, read from the store) merged with the process registry (prom-client's default Node.js process
 * metrics). Rotor's numbers come from the store, so every Rotor instance reports the same values and a
 * scrape of any one of them is enough. No secrets: names, types, counts and times only.
 *
 * Cheap at any history length: run counters and durations are kept in rotation_run_totals as runs finish,
 * unfinished runs are found through the status index, and everything else is per rotator or per schedule.
 *
 * Label values are snake_case (`never_rotated`); the `type` label is the rotator type as Rotor names it
 * (`aws-iam`). The alert rules in deploy/prometheus/rotor-alerts.yml are written against these names.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from "prom-client";
import type { AppContext } from "../app-context";
import { countDeliveriesByStatus, countUnfinishedRunsByType, getRunTotals, type RunTotals } from "../db/queries/metrics";
import { countLiveSchedulers } from "../db/queries/scheduler-heartbeats";
import { ROTATOR_TYPES } from "../rotators/types";
import { buildInfo } from "../build-info";
import { listRotatorStatuses, STATUS_ORDER } from "./overview";

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

const FINISHED = ["succeeded", "failed"] as const;

const globalMetrics = globalThis as unknown as { __rotorProcessRegistry?: Registry };

/** One per process (Next.js may load this module in several bundles): CPU, memory, event loop, GC, handles. */
function processRegistry(): Registry {
  if (!globalMetrics.__rotorProcessRegistry) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    globalMetrics.__rotorProcessRegistry = registry;
  }
  return globalMetrics.__rotorProcessRegistry;
}

const snake = (value: string) => value.trim().replace(/[\s-]+/g, "_");
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * A histogram whose buckets are already counted (in the store). prom-client's Histogram can only observe
 * values one by one, so this hands the registry the same shape its own Histogram produces.
 */
function countedHistogram(name: string, help: string, series: { labels: Record<string, string>; bounds: number[]; buckets: number[]; count: number; sum: number }[]): Metric {
  const values = series.flatMap(({ labels, bounds, buckets, count, sum }) => [
    ...bounds.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: buckets[i] ?? 0 })),
    { metricName: `${name}_bucket`, labels: { ...labels, le: "+Inf" }, value: count },
    { metricName: `${name}_sum`, labels, value: sum },
    { metricName: `${name}_count`, labels, value: count },
  ]);
  const metric = { name, help, type: "histogram", aggregator: "sum", get: async () => ({ name, help, type: "histogram", aggregator: "sum", values }) };
  return metric as unknown as Metric;
}

function durationsByType(bounds: number[], totals: RunTotals[]) {
  return ROTATOR_TYPES.map((type) => {
    const mine = totals.filter((t) => t.type === type);
    return {
      labels: { type },
      bounds,
      buckets: bounds.map((_, i) => mine.reduce((n, t) => n + (t.durationBuckets[i] ?? 0), 0)),
      count: mine.reduce((n, t) => n + t.runs, 0),
      sum: mine.reduce((n, t) => n + t.durationSecondsSum, 0),
    };
  });
}

export async function renderMetrics(app: AppContext, options: { now?: Date; overdueGraceMs?: number; runningHere?: number } = {}): Promise<string> {
  const [{ bounds, totals }, unfinished, rotators, deliveries, schedulers] = await Promise.all([
    getRunTotals({ db: app.db }),
    countUnfinishedRunsByType({ db: app.db }),
    listRotatorStatuses(app, options),
    countDeliveriesByStatus({ db: app.db }),
    countLiveSchedulers({ db: app.db }),
  ]);
  const registry = new Registry();
  const registers = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers });

  const { version, commit } = buildInfo();
  gauge("rotor_build_info", "Always 1; the labels say which Rotor this is.", ["version", "commit"]).set({ version, commit }, 1);
  gauge("rotor_up", "1 while this Rotor instance can read its store.").set(1);

  const rotations = new Counter({ name: "rotor_rotations_total", help: "Finished rotation runs by rotator type and result (succeeded, failed).", labelNames: ["type", "status"], registers });
  for (const type of ROTATOR_TYPES) for (const status of FINISHED) rotations.inc({ type, status }, 0);
  for (const t of totals) rotations.inc({ type: t.type, status: t.status }, t.runs);

  const inProgress = gauge("rotor_rotations_in_progress", "Rotation runs started and not finished, by rotator type (an interrupted run counts until it is resumed).", ["type"]);
  for (const type of ROTATOR_TYPES) inProgress.set({ type }, 0);
  for (const u of unfinished) inProgress.set({ type: u.type }, u.count);

  registry.registerMetric(countedHistogram("rotor_rotation_duration_seconds", "Duration of finished rotation runs, by rotator type.", durationsByType(bounds, totals)));

  const byStatus = new Map(STATUS_ORDER.map((s) => [s, 0]));
  for (const r of rotators) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const rotatorsByStatus = gauge("rotor_rotators", "Rotators by status (healthy, rotating, retrying, failing, overdue, paused, unscheduled, never_rotated).", ["status"]);
  for (const [status, count] of byStatus) rotatorsByStatus.set({ status: snake(status) }, count);
  gauge("rotor_rotators_failing", "Rotators whose rotation failed and has no retry left.").set(byStatus.get("failing") ?? 0);
  gauge("rotor_rotators_overdue", "Rotators with a scheduled rotation that is due and has not started.").set(byStatus.get("overdue") ?? 0);

  const perRotator = ["environment", "rotator", "type"] as const;
  const status = gauge("rotor_rotator_status", "1 for each rotator, labelled with its current status.", [...perRotator, "status"]);
  const lastSuccess = gauge("rotor_rotator_last_success_timestamp_seconds", "Unix time of each rotator's last successful rotation (absent if never).", perRotator);
  const nextRun = gauge("rotor_rotator_next_run_timestamp_seconds", "Unix time of each rotator's next scheduled rotation (absent if none is planned).", perRotator);
  const interval = gauge(
    "rotor_rotator_expected_interval_seconds",
    "Longest gap between the upcoming scheduled rotations of each rotator (absent when unscheduled or paused).",
    perRotator,
  );
  for (const r of rotators) {
    const labels = { environment: r.environmentName, rotator: r.name, type: r.type };
    status.set({ ...labels, status: snake(r.status) }, 1);
    if (r.lastRotatedAt) lastSuccess.set(labels, seconds(r.lastRotatedAt));
    if (r.nextRunAt) nextRun.set(labels, seconds(r.nextRunAt));
    if (r.expectedIntervalMs) interval.set(labels, r.expectedIntervalMs / 1000);
  }

  const webhooks = gauge("rotor_webhook_deliveries", "Webhook deliveries in the delivery log by status (pending deliveries are being retried).", ["status"]);
  for (const s of ["pending", "succeeded", "failed"]) webhooks.set({ status: s }, deliveries.find((d) => d.status === s)?.count ?? 0);
  gauge("rotor_scheduler_processes", "Scheduler processes (Rotor servers and workers) alive now, across every instance sharing the store.").set(schedulers);
  gauge("rotor_scheduler_running_rotations", "Scheduled rotations running in this process now (0 where the scheduler is off).").set(options.runningHere ?? 0);

  return Registry.merge([processRegistry(), registry]).metrics();
}
