"use client";
/** "Check rotation": runs the preflight checklist of this rotator (changing nothing) and shows it. */
import { checkRotationAction } from "../actions";
import { RunCheck } from "@/components/ui/check-button";
import { Checklist } from "@/components/checklist";
import type { CheckLine } from "@/lib/rotators/types";

export function CheckRotation({ rotatorId }: { rotatorId: string }) {
  return (
    <RunCheck
      label="Check rotation"
      pendingLabel="Checking…"
      className="btn"
      run={() => checkRotationAction(null, { rotatorId })}
      outcome={(r) => {
        if (!r.ok) return <p className="alert alert-error" role="alert">{r.error}</p>;
        const result = r.data as { checks: CheckLine[]; summary: string; ok: boolean };
        return (
          <section className={`alert ${result.ok ? "alert-ok" : "alert-error"}`} aria-label="Check rotation result">
            <Checklist checks={result.checks} summary={result.summary} />
          </section>
        );
      }}
    />
  );
}
