/**
 * The preflight checklist ("Check rotation"): one line per check with its status, what was found and, for every
 * failed line (and warnings where something helps), what to fix. Used by the rotator page and the new-rotator form.
 */
import type { CheckLine, CheckStatus } from "@/lib/rotators/types";

const BADGE: Record<CheckStatus, string> = { ok: "badge-ok", failed: "badge-failed", warning: "badge-warn", skipped: "badge-neutral" };

export function Checklist({ checks, summary }: { checks: readonly CheckLine[]; summary: string }) {
  return (
    <div data-testid="checklist">
      <p>Check rotation: {summary}.</p>
      <ul aria-label="Checklist" className="stack" style={{ listStyle: "none", paddingLeft: 0 }}>
        {checks.map((line) => (
          <li key={line.id} data-check={line.id} data-check-status={line.status}>
            <span className={`badge ${BADGE[line.status]}`}>{line.status}</span> <strong>{line.check}</strong>: {line.detail}
            {line.fix && (
              <div className="muted">
                {line.status === "failed" ? "To fix: " : "Suggestion: "}
                <span className="mono">{line.fix}</span>
              </div>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
