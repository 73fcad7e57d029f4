import "server-only";
/**
 * /api/metrics in the Prometheus text exposition format (version 0.0.4). Everything is read from the store,
 * so every Rotor instance reports the same numbers and a scrape of any one of them is enough. No secrets:
 * names, types, counts and times only.
 *
 * Alert on `rotor_rotators_failing > 0`, `rotor_rotators_overdue > 0`, or per rotator on
 * `time() - rotor_rotator_last_success_timestamp_seconds`.
 */
import type { AppContext } from "../app-context";
import { countDeliveriesByStatus, countRunsByTypeAndStatus, runDurationHistogram } from "../db/queries/metrics";
import { listRotatorStatuses, STATUS_ORDER } from "./overview";

export const DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];

function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(pairs: Record<string, string>): string {
  const body = Object.entries(pairs)
    .map(([k, v]) => `${k}="${label(v)}"`)
    .join(",");
  return body ? `{${body}}` : "";
}

class Exposition {
  private lines: string[] = [];
  family(name: string, type: "counter" | "gauge" | "histogram", help: string) {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    return this;
  }
  sample(name: string, value: number, pairs: Record<string, string> = {}) {
    this.lines.push(`${name}${labels(pairs)} ${Number.isFinite(value) ? value : 0}`);
    return this;
  }
  toString() {
    return `${this.lines.join("\n")}\n`;
  }
}

export async function renderMetrics(app: AppContext, options: { now?: Date; overdueGraceMs?: number; runningHere?: number } = {}): Promise<string> {
  const [runs, histogram, rotators, deliveries] = await Promise.all([
    countRunsByTypeAndStatus({ db: app.db }),
    runDurationHistogram({ db: app.db, bounds: DURATION_BUCKETS }),
    listRotatorStatuses(app, options),
    countDeliveriesByStatus({ db: app.db }),
  ]);
  const out = new Exposition();
  out.family("rotor_up", "gauge", "1 while this Rotor instance can read its store.").sample("rotor_up", 1);

  out.family("rotor_rotations_total", "counter", "Rotation runs by rotator type and status.");
  for (const r of runs) out.sample("rotor_rotations_total", r.count, { type: r.type, status: r.status });

  out.family("rotor_rotation_duration_seconds", "histogram", "Duration of finished rotation runs, by rotator type.");
  for (const h of histogram) {
    DURATION_BUCKETS.forEach((bound, i) => out.sample("rotor_rotation_duration_seconds_bucket", h.buckets[i], { type: h.type, le: String(bound) }));
    out.sample("rotor_rotation_duration_seconds_bucket", h.count, { type: h.type, le: "+Inf" });
    out.sample("rotor_rotation_duration_seconds_sum", h.sumSeconds, { type: h.type });
    out.sample("rotor_rotation_duration_seconds_count", h.count, { type: h.type });
  }

  const byStatus = Object.fromEntries(STATUS_ORDER.map((s) => [s, 0]));
  for (const r of rotators) byStatus[r.status]++;
  out.family("rotor_rotators", "gauge", "Rotators by status (healthy, rotating, retrying, failing, overdue, paused, unscheduled).");
  for (const status of STATUS_ORDER) out.sample("rotor_rotators", byStatus[status], { status });
  out.family("rotor_rotators_failing", "gauge", "Rotators whose rotation failed and has no retry left.").sample("rotor_rotators_failing", byStatus.failing);
  out.family("rotor_rotators_overdue", "gauge", "Rotators with a scheduled rotation that is due and has not started.").sample("rotor_rotators_overdue", byStatus.overdue);

  out.family("rotor_rotator_status", "gauge", "1 for each rotator, labelled with its current status.");
  for (const r of rotators) out.sample("rotor_rotator_status", 1, { environment: r.environmentName, rotator: r.name, type: r.type, status: r.status });
  out.family("rotor_rotator_last_success_timestamp_seconds", "gauge", "Unix time of each rotator's last successful rotation (absent if never).");
  for (const r of rotators) {
    if (r.lastRotatedAt) out.sample("rotor_rotator_last_success_timestamp_seconds", Math.floor(r.lastRotatedAt.getTime() / 1000), { environment: r.environmentName, rotator: r.name, type: r.type });
  }

  out.family("rotor_webhook_deliveries", "gauge", "Webhook deliveries by status (pending deliveries are being retried).");
  for (const status of ["pending", "succeeded", "failed"]) out.sample("rotor_webhook_deliveries", deliveries.find((d) => d.status === status)?.count ?? 0, { status });
  if (options.runningHere !== undefined) {
    out.family("rotor_scheduler_running_rotations", "gauge", "Scheduled rotations running in this process now.").sample("rotor_scheduler_running_rotations", options.runningHere);
  }
  return out.toString();
}
