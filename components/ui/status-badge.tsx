const TONE: Record<string, string> = {
  healthy: "ok",
  succeeded: "ok",
  success: "ok",
  rotating: "running",
  running: "running",
  pending: "pending",
  failing: "failed",
  failed: "failed",
  failure: "failed",
  denied: "failed",
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${TONE[status] ?? "neutral"}`} data-status={status}>{status}</span>;
}
