/**
 * Wall-clock time in IANA time zones with nothing but `Intl` (the same code runs in the browser for the
 * schedule preview and on the server for the scheduler, so both agree to the minute).
 *
 * Daylight-saving rules, as cron users expect them:
 * - a wall time that does not exist (the hour skipped in spring) moves forward by the length of the gap
 *   (02:30 on the change day becomes 03:30), so a daily run still happens that day;
 * - a wall time that exists twice (the hour repeated in autumn) means its first occurrence, so a daily run
 *   happens once.
 */

export interface WallTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The fields of `date`'s wall time in `timeZone` as Intl gives them (24-hour, two digits but the year, and the
 * zone's short name, "GMT+5:30"), from one cached formatter per zone. The schedule arithmetic here and the
 * `<Time>` display (components/ui/time.tsx) both read them, so both agree on every zone's wall time.
 */
export function zonedParts(date: Date, timeZone: string): Partial<Record<Intl.DateTimeFormatPartTypes, string>> {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "short",
    });
    formatters.set(timeZone, formatter);
  }
  return Object.fromEntries(formatter.formatToParts(date).map((part) => [part.type, part.value]));
}

/** The canonical name of an IANA time zone, or null when the runtime does not know it. */
export function canonicalTimeZone(name: string): string | null {
  const trimmed = name.trim();
  // Offsets ("+02:00") are accepted by some runtimes but are not zones: they have no daylight-saving rules.
  if (!trimmed || /^[+-]\d/.test(trimmed)) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export function wallTimeIn(date: Date, timeZone: string): WallTime & { second: number } {
  const parts = zonedParts(date, timeZone);
  const n = (type: "year" | "month" | "day" | "hour" | "minute" | "second") => Number(parts[type]);
  return { year: n("year"), month: n("month"), day: n("day"), hour: n("hour") % 24, minute: n("minute"), second: n("second") };
}

/** Milliseconds to add to UTC to get the zone's wall time at `date`. */
export function zoneOffsetMs(date: Date, timeZone: string): number {
  const w = wallTimeIn(date, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(date.getTime() / 1000) * 1000;
}

function sameWallTime(date: Date, timeZone: string, wall: WallTime): boolean {
  const w = wallTimeIn(date, timeZone);
  return w.year === wall.year && w.month === wall.month && w.day === wall.day && w.hour === wall.hour && w.minute === wall.minute;
}

/** The instant a wall time in `timeZone` denotes (see the daylight-saving rules above). */
export function wallTimeToDate(wall: WallTime, timeZone: string): Date {
  const guess = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const DAY = 86_400_000;
  // The zone's offsets around the wall time: before and after any transition that day.
  const before = zoneOffsetMs(new Date(guess - DAY), timeZone);
  const after = zoneOffsetMs(new Date(guess + DAY), timeZone);
  const at = zoneOffsetMs(new Date(guess), timeZone);
  const candidates = [...new Set([before, at, after])]
    .map((offset) => new Date(guess - offset))
    .filter((d) => sameWallTime(d, timeZone, wall))
    .sort((a, b) => a.getTime() - b.getTime());
  if (candidates.length > 0) return candidates[0];
  // In the gap: read the wall time with the offset in force before the change, which lands after it.
  return new Date(guess - before);
}

/** A calendar date `days` after the given one (pure calendar arithmetic, no zone involved). */
export function addCalendarDays(wall: WallTime, days: number): WallTime {
  const d = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
  return { ...wall, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** "2025-03-30T02:30" (as a datetime-local input gives it) → WallTime, or null when malformed. */
export function parseLocalDateTime(text: string): WallTime | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day) return null;
  return { year, month, day, hour, minute };
}
