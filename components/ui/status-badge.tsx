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
  // Schedules: a retry is pending; an overdue rotation is as alarming as a failure.
  retrying: "pending",
  overdue: "failed",
  // A step that proved nothing (verification through an ESC connector) must not read as a success.
  skipped: "warn",
  // A step whose process died: neither done nor failed (the run was resumed or handed back).
  interrupted: "warn",
  paused: "neutral",
  // The lockout guard deferred a rotation: nothing broke, but someone must look.
  held: "warn",
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${TONE[status] ?? "neutral"}`} data-status={status}>{status}</span>;
}
