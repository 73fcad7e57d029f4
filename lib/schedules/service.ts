import "server-only";
/**
 * Schedules of rotators and environments: save (validated with the same code as the editor in the browser,
 * including the minimum-interval guard), pause, resume, remove — each audited in the same transaction — and
 * the views the pages show (the schedule with its next runs, and which schedules cover which rotators).
 */
import { byActor, type AppContext, type Actor } from "../app-context";
import type { DbOrTx } from "../db/client";
import type { RotatorRow, Schedule } from "../db/schema";
import { env } from "../env";
import {
  deleteScheduleById,
  getScheduleById,
  getScheduleByTarget,
  insertSchedule,
  listSchedulesByRotators,
  updateScheduleById,
  type ScheduleTarget,
} from "../db/queries/schedules";
import { getRotatorById } from "../db/queries/rotators";
import { getEnvironmentById } from "../db/queries/environments";
import { insertAuditEvent } from "../db/queries/audit";
import {
  describeSchedule,
  inputFromSpec,
  planNextRun,
  previewRuns,
  specFromStored,
  storedFromSpec,
  validateScheduleInput,
  type ScheduleFormValues,
  type ScheduleInput,
  type ScheduleSpec,
} from "./schedule-spec";
import type { ScheduleCoverage } from "../rotation/status";
import { AppError } from "../errors";

export type { ScheduleTarget } from "../db/queries/schedules";

export interface ScheduleView {
  id: string;
  target: ScheduleTarget;
  paused: boolean;
  spec: ScheduleSpec;
  description: string;
  form: ScheduleFormValues;
  nextRunAt: Date | null;
  nextRetryAt: Date | null;
  retryCount: number;
  lastRunAt: Date | null;
  lastOutcome: string | null;
  running: boolean;
  /** The next nominal run times (the window may start each one up to windowMinutes later). */
  upcoming: Date[];
}

interface TargetInfo {
  label: string;
  environmentId: string;
  targetType: "rotator" | "environment";
  targetId: string;
}

async function describeTarget(db: DbOrTx, target: ScheduleTarget): Promise<TargetInfo> {
  if ("rotatorId" in target) {
    const rotator = await getRotatorById({ db, id: target.rotatorId });
    if (!rotator) throw new AppError("not-found", "That rotator no longer exists.");
    return { label: rotator.name, environmentId: rotator.environmentId, targetType: "rotator", targetId: rotator.id };
  }
  const environment = await getEnvironmentById({ db, id: target.environmentId });
  if (!environment) throw new AppError("not-found", "That environment no longer exists.");
  return { label: environment.name, environmentId: environment.id, targetType: "environment", targetId: environment.id };
}

function targetOf(schedule: Schedule): ScheduleTarget {
  return schedule.rotatorId ? { rotatorId: schedule.rotatorId } : { environmentId: schedule.environmentId! };
}

export function toScheduleView(schedule: Schedule, now = new Date()): ScheduleView {
  const spec = specFromStored(schedule);
  const first = schedule.nextSlotAt && schedule.nextSlotAt > now ? schedule.nextSlotAt : null;
  return {
    id: schedule.id,
    target: targetOf(schedule),
    paused: schedule.paused,
    spec,
    description: describeSchedule(spec),
    form: inputFromSpec(spec),
    nextRunAt: schedule.nextRunAt,
    nextRetryAt: schedule.nextRetryAt,
    retryCount: schedule.retryCount,
    lastRunAt: schedule.lastRunAt,
    lastOutcome: schedule.lastOutcome,
    running: Boolean(schedule.leaseOwner && schedule.leaseExpiresAt && schedule.leaseExpiresAt > now),
    upcoming: spec.kind === "once" ? (first ? [first] : []) : previewRuns(spec, { now, first, count: 5 }),
  };
}

export async function getScheduleView(app: AppContext, target: ScheduleTarget): Promise<ScheduleView | null> {
  const schedule = await getScheduleByTarget({ db: app.db, target });
  return schedule ? toScheduleView(schedule) : null;
}

function invalid(field: string, message: string): never {
  throw new AppError("input:invalid", message, { fieldErrors: { [field]: message } });
}

/** Creates or replaces the schedule of a rotator or an environment. */
export async function saveSchedule(
  app: AppContext,
  request: { actor: Actor; target: ScheduleTarget; input: ScheduleInput; minIntervalMs?: number; now?: Date },
): Promise<Schedule> {
  const now = request.now ?? new Date();
  const minIntervalMs = request.minIntervalMs ?? env().scheduler.minIntervalMs;
  const check = validateScheduleInput(request.input, { now, minIntervalMs });
  if (!check.ok) invalid(check.field, check.error);
  const spec = check.spec;
  return app.db.transaction(async (tx) => {
    const info = await describeTarget(tx, request.target);
    const existing = await getScheduleByTarget({ db: tx, target: request.target });
    const plan = planNextRun(spec, { now, lastRunAt: existing?.lastRunAt, minIntervalMs });
    const fields = { ...storedFromSpec(spec), nextRunAt: plan?.runAt ?? null, nextSlotAt: plan?.slotAt ?? null, overdueNotifiedAt: null };
    const schedule = existing
      ? (await updateScheduleById({ db: tx, id: existing.id, patch: fields }))!
      : await insertSchedule({ db: tx, schedule: { ...request.target, ...fields } });
    await insertAuditEvent({
      tx,
      event: {
        ...byActor(request.actor),
        action: existing ? "schedule.updated" : "schedule.created",
        targetType: info.targetType,
        targetId: info.targetId,
        targetLabel: info.label,
        details: {
          scheduleId: schedule.id,
          schedule: describeSchedule(spec),
          ...(existing ? { previous: describeSchedule(specFromStored(existing)) } : {}),
          nextRunAt: schedule.nextRunAt?.toISOString() ?? null,
        },
      },
    });
    return schedule;
  });
}

/**
 * Pausing stops every automatic attempt, pending retries included. Resuming plans the next run from now:
 * time spent paused is not made up for.
 */
export async function setSchedulePaused(
  app: AppContext,
  request: { actor: Actor; scheduleId: string; paused: boolean; minIntervalMs?: number; now?: Date },
): Promise<Schedule> {
  const now = request.now ?? new Date();
  const minIntervalMs = request.minIntervalMs ?? env().scheduler.minIntervalMs;
  return app.db.transaction(async (tx) => {
    const existing = await getScheduleById({ db: tx, id: request.scheduleId });
    if (!existing) throw new AppError("not-found", "That schedule no longer exists.");
    const info = await describeTarget(tx, targetOf(existing));
    let patch: Parameters<typeof updateScheduleById>[0]["patch"];
    if (request.paused) {
      patch = { paused: true, retryCount: 0, nextRetryAt: null, retryRotatorIds: null, overdueNotifiedAt: null };
    } else {
      const spec = specFromStored(existing);
      const keep = existing.nextRunAt && existing.nextRunAt > now;
      const plan = keep ? null : planNextRun(spec, { now, previousSlot: existing.nextSlotAt, lastRunAt: existing.lastRunAt, minIntervalMs });
      patch = { paused: false, overdueNotifiedAt: null, ...(keep ? {} : { nextRunAt: plan?.runAt ?? null, nextSlotAt: plan?.slotAt ?? null }) };
    }
    const schedule = (await updateScheduleById({ db: tx, id: existing.id, patch }))!;
    await insertAuditEvent({
      tx,
      event: {
        ...byActor(request.actor),
        action: request.paused ? "schedule.paused" : "schedule.resumed",
        targetType: info.targetType,
        targetId: info.targetId,
        targetLabel: info.label,
        details: { scheduleId: schedule.id, schedule: describeSchedule(specFromStored(schedule)), nextRunAt: schedule.nextRunAt?.toISOString() ?? null },
      },
    });
    return schedule;
  });
}

export async function deleteSchedule(app: AppContext, request: { actor: Actor; scheduleId: string }): Promise<void> {
  await app.db.transaction(async (tx) => {
    const existing = await getScheduleById({ db: tx, id: request.scheduleId });
    if (!existing) throw new AppError("not-found", "That schedule no longer exists.");
    const info = await describeTarget(tx, targetOf(existing));
    await deleteScheduleById({ db: tx, id: existing.id });
    await insertAuditEvent({
      tx,
      event: {
        ...byActor(request.actor),
        action: "schedule.deleted",
        targetType: info.targetType,
        targetId: info.targetId,
        targetLabel: info.label,
        details: { scheduleId: existing.id, schedule: describeSchedule(specFromStored(existing)) },
      },
    });
  });
}

/** For each rotator, the schedules that rotate it (for rotatorStatus / rotatorStatusDetail). */
export async function loadScheduleCoverage({
  db,
  rotators,
  overdueGraceMs = env().scheduler.overdueGraceMs,
}: {
  db: DbOrTx;
  rotators: Pick<RotatorRow, "id" | "environmentId">[];
  overdueGraceMs?: number;
}): Promise<Map<string, ScheduleCoverage>> {
  const schedules = await listSchedulesByRotators({
    db,
    rotatorIds: rotators.map((r) => r.id),
    environmentIds: [...new Set(rotators.map((r) => r.environmentId))],
  });
  return coverageFrom(rotators, schedules, overdueGraceMs);
}

export function coverageFrom(rotators: Pick<RotatorRow, "id" | "environmentId">[], schedules: Schedule[], overdueGraceMs: number): Map<string, ScheduleCoverage> {
  const map = new Map<string, ScheduleCoverage>();
  for (const rotator of rotators) {
    map.set(rotator.id, {
      overdueGraceMs,
      schedules: schedules.filter((s) => s.rotatorId === rotator.id || s.environmentId === rotator.environmentId),
    });
  }
  return map;
}
