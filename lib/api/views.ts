import "server-only";
/** Rows → the API's JSON shapes (lib/api/schemas.ts). Nothing secret passes through here except `open`. */
import type { Environment, RotatorRow, RotationRun, RotationStep } from "../db/schema";
import type { ScheduleCoverage } from "../rotation/status";
import { rotatorStatusDetail } from "../rotation/status";

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

export function toEnvironmentSummary(row: { name: string; description: string; currentRevision: number; updatedAt: Date; rotatorCount: number }) {
  return { name: row.name, description: row.description, revision: row.currentRevision, rotators: Number(row.rotatorCount), updatedAt: row.updatedAt.toISOString() };
}

export function toRotatorSummary(row: RotatorRow, coverage: ScheduleCoverage | undefined, now = new Date()) {
  const detail = rotatorStatusDetail(row, now, coverage);
  const next = [detail.nextAttemptAt, detail.nextRunAt].filter((d): d is Date => Boolean(d)).sort((a, b) => a.getTime() - b.getTime())[0];
  const summary = row.stateSummary as { current?: Record<string, string> | null };
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    status: detail.status,
    lastRotatedAt: iso(row.lastRotatedAt),
    nextRotationAt: iso(next),
    current: summary.current ?? null,
  };
}

export function toEnvironmentView(
  environment: Environment,
  values: { key: string; secret: boolean; plainValue: string | null }[],
  rotators: ReturnType<typeof toRotatorSummary>[],
) {
  return {
    name: environment.name,
    description: environment.description,
    revision: environment.currentRevision,
    createdAt: environment.createdAt.toISOString(),
    updatedAt: environment.updatedAt.toISOString(),
    values: values.map((v) => (v.secret ? { key: v.key, secret: true } : { key: v.key, secret: false, value: v.plainValue ?? "" })),
    exports: environment.exports,
    rotators,
  };
}

export function toRunSummary(run: RotationRun) {
  return {
    id: run.id,
    environment: run.environmentName,
    rotator: run.rotatorName,
    type: run.rotatorType,
    status: run.status,
    trigger: run.trigger,
    actor: run.actorLabel,
    attempt: run.attempt,
    startedAt: run.startedAt.toISOString(),
    finishedAt: iso(run.finishedAt),
    durationMs: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
    revisionBefore: run.revisionBefore,
    revisionAfter: run.revisionAfter,
    error: run.errorCode ? { code: run.errorCode, message: run.errorMessage ?? "" } : null,
  };
}

export function toRun(run: RotationRun, steps: RotationStep[]) {
  return {
    ...toRunSummary(run),
    steps: steps.map((s) => ({ name: s.name, status: s.status, message: s.message, startedAt: s.startedAt.toISOString(), finishedAt: iso(s.finishedAt) })),
  };
}
