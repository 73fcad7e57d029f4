/** Durations on the command line: `30s`, `500ms`, `2m`, `1h` (the `ms` package); a bare number is seconds. */
import ms from "ms";
import { InvalidArgumentError } from "commander";

export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const value = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : ms(trimmed as ms.StringValue);
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`"${text}" is not a duration: use e.g. 30s, 500ms, 2m or 1h.`);
  }
  return Math.round(value);
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}
