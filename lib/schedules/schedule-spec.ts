/**
 * What a schedule is and when it runs: pure functions with an explicit clock, shared by the browser (the
 * editor validates as the user types and previews the next runs) and the server (validation on save, the
 * scheduler's next-run computation), so the preview is exactly what the scheduler will do.
 *
 * Kinds:
 * - `cron`: a five-field cron expression (or @daily, @weekly, @monthly, @yearly, @hourly) in an IANA zone.
 *   Daylight saving behaves as with cron: fixed times run once on change days (a time in the skipped hour
 *   moves forward by the gap, a repeated time runs at its first occurrence); wildcard hours follow real time.
 * - `interval`: every N hours (elapsed time), or every N days at HH:MM wall-clock time in the zone (stays at
 *   03:00 across daylight-saving changes).
 * - `once`: a single future time.
 * Each may have a window: the run starts at a random moment within `windowMinutes` after the nominal time
 * (like AWS Secrets Manager's rotation window), so many rotators scheduled alike do not all start at once.
 *
 * The minimum-interval guard: a schedule whose runs (window included) could come closer than the configured
 * minimum is refused on save, and the scheduler never plans a run closer than that to the previous one.
 */
import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { addCalendarDays, canonicalTimeZone, parseLocalDateTime, wallTimeIn, wallTimeToDate, zoneOffsetMs } from "./zoned-time";

export const SCHEDULE_KINDS = ["cron", "interval", "once"] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
export const INTERVAL_UNITS = ["hours", "days"] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];

export type ScheduleSpec =
  | { kind: "cron"; cron: string; timezone: string; windowMinutes: number }
  | { kind: "interval"; every: number; unit: IntervalUnit; /** HH:MM, days only */ at: string | null; timezone: string; windowMinutes: number }
  | { kind: "once"; runAt: Date; timezone: string; windowMinutes: number };

export type ScheduleField = "kind" | "cron" | "timezone" | "every" | "unit" | "at" | "runAt" | "windowMinutes";

/** A problem with one field of a schedule, with a message for the person typing it. */
export class ScheduleError extends Error {
  constructor(
    readonly field: ScheduleField,
    message: string,
  ) {
    super(message);
    this.name = "ScheduleError";
  }
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const MAX_WINDOW_MINUTES = 24 * 60;
const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const CRON_HINT = "Use five fields — minute hour day-of-month month day-of-week — e.g. 0 3 * * * for 03:00 every day.";

/** Normalises and checks a cron expression; throws ScheduleError("cron") with a clear reason. */
export function normalizeCron(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, " ");
  if (!trimmed) throw new ScheduleError("cron", `Enter a cron expression. ${CRON_HINT}`);
  if (trimmed.startsWith("@")) {
    const expanded = MACROS[trimmed.toLowerCase()];
    if (!expanded) throw new ScheduleError("cron", `Unknown shortcut ${trimmed}: use @hourly, @daily, @weekly, @monthly or @yearly.`);
    return expanded;
  }
  const fields = trimmed.split(" ");
  if (fields.length === 6) throw new ScheduleError("cron", `Seconds are not supported: ${CRON_HINT}`);
  if (fields.length !== 5) throw new ScheduleError("cron", `A cron expression has five fields, this one has ${fields.length}. ${CRON_HINT}`);
  // Hashed values (H) would pick a different minute in the browser and on the server.
  if (fields.some((f) => /(^|,)H(\(|\/|,|$)/i.test(f))) throw new ScheduleError("cron", "Hashed values (H) are not supported; write the minute and hour explicitly.");
  try {
    CronExpressionParser.parse(trimmed, { tz: "UTC", currentDate: new Date(0) }).next();
  } catch (error) {
    throw new ScheduleError("cron", `Invalid cron expression: ${explainCronError((error as Error).message)}. ${CRON_HINT}`);
  }
  return trimmed;
}

function explainCronError(message: string): string {
  const range = /got value (\S+) expected range (\d+)-(\d+)/.exec(message);
  if (range) return `${range[1]} is out of range (${range[2]}-${range[3]})`;
  const alias = /cannot resolve alias "([^"]*)"/.exec(message);
  if (alias) return `"${alias[1]}" is not a number or a day/month name`;
  return message.replace(/^(Validation|Constraint) error,?\s*/i, "").replace(/\.$/, "");
}

export function normalizeTimeZone(name: string): string {
  // Left out, a schedule's zone is UTC (scheduleInputSchema's default); given empty, it is a mistake to point out.
  if (name.trim() === "") throw new ScheduleError("timezone", "Choose a time zone: an IANA name such as Europe/Berlin, America/New_York or UTC.");
  const zone = canonicalTimeZone(name);
  if (!zone) {
    throw new ScheduleError("timezone", `Unknown time zone "${name.trim()}". Use an IANA name such as Europe/Berlin, America/New_York or UTC.`);
  }
  return zone;
}

function parseAt(text: string): { hour: number; minute: number } {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) throw new ScheduleError("at", "Enter a time of day as HH:MM, e.g. 03:00.");
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** The first nominal run time strictly after `after`. `previousSlot` anchors intervals. Null = no more runs. */
export function nextSlot(spec: ScheduleSpec, { after, previousSlot }: { after: Date; previousSlot?: Date | null }): Date | null {
  switch (spec.kind) {
    case "cron": {
      const expression = CronExpressionParser.parse(spec.cron, { tz: spec.timezone, currentDate: after });
      return expression.next().toDate();
    }
    case "once":
      return spec.runAt.getTime() > after.getTime() ? spec.runAt : null;
    case "interval": {
      if (spec.unit === "hours") {
        const step = spec.every * HOUR;
        // Keep the series' rhythm; after downtime (the next slot already passed) start again from now.
        const candidate = previousSlot ? previousSlot.getTime() + step : after.getTime() + step;
        return new Date(candidate > after.getTime() ? candidate : after.getTime() + step);
      }
      const at = parseAt(spec.at ?? "");
      const atDay = (day: Date, plusDays: number) => wallTimeToDate({ ...addCalendarDays(wallTimeIn(day, spec.timezone), plusDays), ...at }, spec.timezone);
      if (previousSlot) {
        const candidate = atDay(previousSlot, spec.every);
        if (candidate > after) return candidate;
        return atDay(after, spec.every);
      }
      // A new series starts at the next HH:MM (today or tomorrow).
      const today = atDay(after, 0);
      return today > after ? today : atDay(after, 1);
    }
  }
}

/**
 * Time between two runs as the guard counts it: elapsed time plus the zone's daylight-saving shift between
 * them, so "every day at 03:00" is 24 hours apart on change days too.
 */
export function guardGapMs(a: Date, b: Date, timeZone: string): number {
  return b.getTime() - a.getTime() + Math.abs(zoneOffsetMs(b, timeZone) - zoneOffsetMs(a, timeZone));
}

/**
 * The next `count` nominal run times after `now` — or, when the next slot is already planned (`first`, the
 * stored next slot), that slot and the ones after it.
 */
export function previewRuns(spec: ScheduleSpec, { now, count = 5, first }: { now: Date; count?: number; first?: Date | null }): Date[] {
  const runs: Date[] = first ? [first] : [];
  if (runs.length >= count) return runs;
  if (spec.kind === "cron") {
    // One iterator instead of a parse per step: this runs on every keystroke in the editor.
    const expression = CronExpressionParser.parse(spec.cron, { tz: spec.timezone, currentDate: first ?? now });
    while (runs.length < count) runs.push(expression.next().toDate());
    return runs;
  }
  let after = first ?? now;
  let previous: Date | undefined = first ?? undefined;
  while (runs.length < count) {
    const slot = nextSlot(spec, { after, previousSlot: previous });
    if (!slot) break;
    runs.push(slot);
    after = slot;
    previous = slot;
  }
  return runs;
}

/**
 * The longest gap between the next `samples` runs (null for a single run): how long a rotator may
 * reasonably go without a rotation ("every weekday" is three days over a weekend, not one).
 */
export function longestGapMs(spec: ScheduleSpec, { now, samples = 8 }: { now: Date; samples?: number }): number | null {
  if (spec.kind === "once") return null;
  const runs = previewRuns(spec, { now, count: samples });
  let longest: number | null = null;
  for (let i = 1; i < runs.length; i++) longest = Math.max(longest ?? 0, runs[i].getTime() - runs[i - 1].getTime());
  return longest;
}

/** The smallest gap between upcoming runs, with the two runs that have it (null for a single run). */
export function smallestGap(spec: ScheduleSpec, { now, samples = 120 }: { now: Date; samples?: number }): { gapMs: number; between: [Date, Date] } | null {
  if (spec.kind === "once") return null;
  if (spec.kind === "interval") {
    const runs = previewRuns(spec, { now, count: 2 });
    return { gapMs: spec.every * (spec.unit === "hours" ? HOUR : DAY), between: [runs[0], runs[1]] };
  }
  const runs = previewRuns(spec, { now, count: samples });
  let best: { gapMs: number; between: [Date, Date] } | null = null;
  for (let i = 1; i < runs.length; i++) {
    const gapMs = guardGapMs(runs[i - 1], runs[i], spec.timezone);
    if (!best || gapMs < best.gapMs) best = { gapMs, between: [runs[i - 1], runs[i]] };
  }
  return best;
}

export function formatInZone(date: Date, timeZone: string): string {
  const w = wallTimeIn(date, timeZone);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}`;
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 60);
  if (hours < 72) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}

/**
 * Checks a spec against the guard and the clock: the minimum interval between runs (window included) and a
 * one-off time in the future. Throws ScheduleError for the field to fix.
 */
export function checkSchedule(spec: ScheduleSpec, { now, minIntervalMs }: { now: Date; minIntervalMs: number }): void {
  const windowMs = spec.windowMinutes * 60_000;
  if (!Number.isInteger(spec.windowMinutes) || spec.windowMinutes < 0 || spec.windowMinutes > MAX_WINDOW_MINUTES) {
    throw new ScheduleError("windowMinutes", `The window is a whole number of minutes from 0 to ${MAX_WINDOW_MINUTES} (24 hours).`);
  }
  if (spec.kind === "once") {
    if (spec.runAt.getTime() <= now.getTime()) throw new ScheduleError("runAt", "Pick a time in the future.");
    return;
  }
  if (spec.kind === "interval") {
    const stepMs = spec.every * (spec.unit === "hours" ? HOUR : DAY);
    if (stepMs < minIntervalMs) {
      throw new ScheduleError("every", `Rotations must be at least ${formatDuration(minIntervalMs)} apart (the configured minimum interval).`);
    }
  }
  const gap = smallestGap(spec, { now });
  if (!gap) return;
  if (gap.gapMs < minIntervalMs) {
    const [a, b] = gap.between;
    throw new ScheduleError(
      spec.kind === "cron" ? "cron" : "every",
      `Runs would be ${formatDuration(gap.gapMs)} apart (${formatInZone(a, spec.timezone)} and ${formatInZone(b, spec.timezone)}); ` +
        `rotations must be at least ${formatDuration(minIntervalMs)} apart (the configured minimum interval).`,
    );
  }
  if (windowMs > 0 && gap.gapMs - windowMs < minIntervalMs) {
    const most = Math.max(0, Math.floor((gap.gapMs - minIntervalMs) / 60_000));
    throw new ScheduleError(
      "windowMinutes",
      `With runs ${formatDuration(gap.gapMs)} apart, the window can be at most ${most} minutes, so that two rotations stay at least ${formatDuration(minIntervalMs)} apart.`,
    );
  }
}

export interface PlannedRun {
  /** The nominal time (cron slot, interval step or the one-off time). */
  slotAt: Date;
  /** When the scheduler will start it: the slot plus a random offset within the window. */
  runAt: Date;
}

/**
 * The next run to plan. `previousSlot` is the slot that just ran (anchors intervals); `lastRunAt` is when a
 * scheduled run last started: the next run is never planned closer to it than the minimum interval, even
 * after downtime or with a window (the guard skips to a later slot instead). A missed slot is not repeated:
 * the plan always starts after `now`, so downtime leads to one catch-up run, not one per missed slot.
 */
export function planNextRun(
  spec: ScheduleSpec,
  options: { now: Date; previousSlot?: Date | null; lastRunAt?: Date | null; minIntervalMs: number; random?: () => number },
): PlannedRun | null {
  const { now, lastRunAt, minIntervalMs, random = Math.random } = options;
  let slot = nextSlot(spec, { after: now, previousSlot: options.previousSlot ?? null });
  for (let guard = 0; slot && lastRunAt && guardGapMs(lastRunAt, slot, spec.timezone) < minIntervalMs; guard++) {
    if (guard > 1000) return null;
    slot = nextSlot(spec, { after: slot, previousSlot: slot });
  }
  if (!slot) return null;
  const offset = spec.windowMinutes > 0 ? Math.floor(random() * spec.windowMinutes * 60_000) : 0;
  return { slotAt: slot, runAt: new Date(slot.getTime() + offset) };
}

export function describeSchedule(spec: ScheduleSpec): string {
  const zone = spec.timezone;
  const window = spec.windowMinutes > 0 ? `, starting within ${spec.windowMinutes} min` : "";
  switch (spec.kind) {
    case "cron":
      return `cron ${spec.cron} (${zone})${window}`;
    case "interval":
      return spec.unit === "hours"
        ? `every ${spec.every} hour${spec.every === 1 ? "" : "s"}${window}`
        : `every ${spec.every === 1 ? "day" : `${spec.every} days`} at ${spec.at} (${zone})${window}`;
    case "once":
      return `once at ${formatInZone(spec.runAt, zone)} (${zone})${window}`;
  }
}

// ---- form input -----------------------------------------------------------------------------------------

/** What the editor sends (all strings, as typed). Validated for shape here and for meaning by `parseScheduleInput`. */
export const scheduleInputSchema = z.object({
  kind: z.enum(SCHEDULE_KINDS, { message: "Choose cron, interval or once" }),
  cron: z.string().max(200).optional().default(""),
  timezone: z.string().max(100).optional().default("UTC"),
  every: z.union([z.string(), z.number()]).optional().default(""),
  unit: z.enum(INTERVAL_UNITS).optional().default("days"),
  at: z.string().max(10).optional().default(""),
  /** Local date and time in `timezone`, as a datetime-local input gives it ("2026-01-31T03:00"). */
  runAt: z.string().max(40).optional().default(""),
  windowMinutes: z.union([z.string(), z.number()]).optional().default(0),
});
export type ScheduleInput = z.input<typeof scheduleInputSchema>;

function wholeNumber(value: string | number, field: ScheduleField, label: string, min: number, max: number): number {
  const text = String(value).trim();
  const n = text === "" ? NaN : Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new ScheduleError(field, `${label} must be a whole number from ${min} to ${max}.`);
  return n;
}

/** Turns typed input into a spec, checking one field after another. Throws ScheduleError. */
export function specFromInput(raw: ScheduleInput): ScheduleSpec {
  const parsed = scheduleInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ScheduleError((issue.path[0] as ScheduleField) ?? "kind", issue.message);
  }
  const input = parsed.data;
  const timezone = normalizeTimeZone(input.timezone);
  const windowMinutes = wholeNumber(input.windowMinutes === "" ? 0 : input.windowMinutes, "windowMinutes", "The window", 0, MAX_WINDOW_MINUTES);
  switch (input.kind) {
    case "cron":
      return { kind: "cron", cron: normalizeCron(input.cron), timezone, windowMinutes };
    case "interval": {
      const every = wholeNumber(input.every, "every", "Every", 1, input.unit === "hours" ? 24 * 366 : 366);
      if (input.unit === "hours") return { kind: "interval", every, unit: "hours", at: null, timezone, windowMinutes };
      const at = parseAt(input.at || "");
      const p = (n: number) => String(n).padStart(2, "0");
      return { kind: "interval", every, unit: "days", at: `${p(at.hour)}:${p(at.minute)}`, timezone, windowMinutes };
    }
    case "once": {
      const wall = parseLocalDateTime(input.runAt);
      if (!wall) throw new ScheduleError("runAt", "Enter a date and time.");
      return { kind: "once", runAt: wallTimeToDate(wall, timezone), timezone, windowMinutes };
    }
  }
}

export type ScheduleCheck =
  | { ok: true; spec: ScheduleSpec; nextRuns: Date[] }
  | { ok: false; field: ScheduleField; error: string };

/** Everything the editor and the server check, in one call: shape, meaning, guard; plus the next runs. */
export function validateScheduleInput(raw: ScheduleInput, { now, minIntervalMs, previewCount = 5 }: { now: Date; minIntervalMs: number; previewCount?: number }): ScheduleCheck {
  try {
    const spec = specFromInput(raw);
    checkSchedule(spec, { now, minIntervalMs });
    return { ok: true, spec, nextRuns: previewRuns(spec, { now, count: previewCount }) };
  } catch (error) {
    if (error instanceof ScheduleError) return { ok: false, field: error.field, error: error.message };
    throw error;
  }
}

// ---- stored form ----------------------------------------------------------------------------------------

/** The columns of a stored schedule that define when it runs (see lib/db/schema.ts `schedules`). */
export interface StoredScheduleFields {
  kind: ScheduleKind;
  cron: string | null;
  timezone: string;
  intervalSeconds: number | null;
  intervalAt: string | null;
  runAt: Date | null;
  windowMinutes: number;
}

export function specFromStored(row: StoredScheduleFields): ScheduleSpec {
  const base = { timezone: row.timezone, windowMinutes: row.windowMinutes };
  switch (row.kind) {
    case "cron":
      return { kind: "cron", cron: row.cron ?? "", ...base };
    case "once":
      return { kind: "once", runAt: row.runAt ?? new Date(0), ...base };
    case "interval":
      return row.intervalAt
        ? { kind: "interval", unit: "days", every: Math.max(1, Math.round((row.intervalSeconds ?? DAY / 1000) / 86_400)), at: row.intervalAt, ...base }
        : { kind: "interval", unit: "hours", every: Math.max(1, Math.round((row.intervalSeconds ?? 3600) / 3600)), at: null, ...base };
  }
}

/** A stored schedule in words, as the schedule page and an overdue notification name it. */
export function describeStoredSchedule(row: StoredScheduleFields): string {
  return describeSchedule(specFromStored(row));
}

export function storedFromSpec(spec: ScheduleSpec): StoredScheduleFields {
  const base = { timezone: spec.timezone, windowMinutes: spec.windowMinutes, cron: null, intervalSeconds: null, intervalAt: null, runAt: null };
  switch (spec.kind) {
    case "cron":
      return { ...base, kind: "cron", cron: spec.cron };
    case "once":
      return { ...base, kind: "once", runAt: spec.runAt };
    case "interval":
      return { ...base, kind: "interval", intervalSeconds: spec.every * (spec.unit === "hours" ? 3600 : 86_400), intervalAt: spec.at };
  }
}

/** The editor's fields, as strings. */
export interface ScheduleFormValues {
  kind: ScheduleKind;
  cron: string;
  timezone: string;
  every: string;
  unit: IntervalUnit;
  at: string;
  runAt: string;
  windowMinutes: string;
}

/** A stored spec as editor input (for editing an existing schedule). */
export function inputFromSpec(spec: ScheduleSpec): ScheduleFormValues {
  const base: ScheduleFormValues = { kind: spec.kind, cron: "", timezone: spec.timezone, every: "", unit: "days", at: "03:00", runAt: "", windowMinutes: String(spec.windowMinutes) };
  switch (spec.kind) {
    case "cron":
      return { ...base, cron: spec.cron };
    case "interval":
      return { ...base, every: String(spec.every), unit: spec.unit, at: spec.at ?? "03:00" };
    case "once": {
      const w = wallTimeIn(spec.runAt, spec.timezone);
      const p = (n: number) => String(n).padStart(2, "0");
      return { ...base, runAt: `${w.year}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}` };
    }
  }
}
