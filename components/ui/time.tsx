"use client";
/**
 * The one way Rotor shows a moment: in the viewer's time zone (the browser's), or in a zone the caller names
 * (a schedule's own), with UTC on hover and the ISO value in `dateTime` for tools. The server renders UTC; the
 * browser switches to its zone after hydration, so both renders agree and no page shows UTC while the
 * schedules next to it show local time.
 */
import { useSyncExternalStore } from "react";
import { zonedParts } from "@/lib/schedules/zoned-time";

const noSubscription = () => () => undefined;

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** The browser's IANA zone once hydrated; null while rendering on the server and hydrating. */
export function useBrowserTimeZone(): string | null {
  return useSyncExternalStore(noSubscription, browserTimeZone, () => null);
}

/** 2026-12-02 12:42:03 GMT+5:30 — the same shape in every zone (sortable, unambiguous day and month). */
export function formatTime(date: Date, timeZone: string, { seconds = true }: { seconds?: boolean } = {}): string {
  const parts = zonedParts(date, timeZone);
  const time = seconds ? `${parts.hour}:${parts.minute}:${parts.second}` : `${parts.hour}:${parts.minute}`;
  return `${parts.year}-${parts.month}-${parts.day} ${time} ${parts.timeZoneName}`;
}

export function Time({ value, zone, seconds = true }: { value: Date | string | null | undefined; zone?: string; seconds?: boolean }) {
  const browserZone = useBrowserTimeZone();
  if (!value) return <span className="muted">—</span>;
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return <span className="muted">—</span>;
  const shown = zone ?? browserZone ?? "UTC";
  return (
    <time dateTime={date.toISOString()} title={formatTime(date, "UTC")} data-zone={shown}>
      {formatTime(date, shown, { seconds })}
    </time>
  );
}
