/** How long something took, as people read it: 850 ms, 12.4 s, 3 min 05 s, 2 h 04 min. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** The time between two moments, or nothing while the second is unknown (still running). */
export function Duration({ from, to }: { from: Date | string; to: Date | string | null | undefined }) {
  if (!to) return <span className="muted">—</span>;
  const ms = new Date(to).getTime() - new Date(from).getTime();
  return <span data-testid="duration">{formatElapsed(ms)}</span>;
}
