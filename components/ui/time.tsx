/** A timestamp shown in UTC (stable between server and client render), with the ISO value for tools. */
export function Time({ value }: { value: Date | string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  const date = typeof value === "string" ? new Date(value) : value;
  return <time dateTime={date.toISOString()}>{date.toISOString().replace("T", " ").slice(0, 19)} UTC</time>;
}
