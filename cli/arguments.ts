/**
 * Parsers of option values (commander's argParser): each turns text into a value or throws an
 * InvalidArgumentError, which commander reports as a usage error (exit 2) naming the option.
 */
import { constants } from "node:os";
import { InvalidArgumentError } from "commander";
import ms from "ms";

/** `30s`, `500ms`, `2m`, `1h`, `90d` (the `ms` package); a bare number is seconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const value = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : ms(trimmed as ms.StringValue);
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`"${text}" is not a duration: use e.g. 30s, 500ms, 2m or 1h.`);
  }
  return Math.round(value);
}

export function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${text}" is not a whole number of at least 1.`);
  return n;
}

export function parseRevision(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${text}" is not a revision number (1, 2, 3, …).`);
  return n;
}

/** `HUP`, `sighup` or `SIGHUP` → `SIGHUP`; a signal a program cannot handle (KILL, STOP) is refused. */
export function parseSignal(text: string): NodeJS.Signals {
  const upper = text.toUpperCase();
  const name = (upper.startsWith("SIG") ? upper : `SIG${upper}`) as NodeJS.Signals;
  if (!(name in constants.signals) || name === "SIGKILL" || name === "SIGSTOP") {
    throw new InvalidArgumentError(`"${text}" is not a signal a program can handle: use e.g. SIGHUP, SIGUSR1 or SIGUSR2.`);
  }
  return name;
}

export function isoTime(text: string): string {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError(`"${text}" is not a date and time: use ISO 8601, e.g. 2027-01-31T00:00:00Z.`);
  return date.toISOString();
}

/** For repeatable options: every occurrence is kept. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
