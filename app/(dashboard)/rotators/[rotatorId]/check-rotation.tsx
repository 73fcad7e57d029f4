"use client";
/** "Check rotation": runs the preflight checklist of this rotator (changing nothing) and shows it. */
import { useState, useTransition } from "react";
import { checkRotationAction } from "../actions";
import { callAction } from "@/components/ui/action-form";
import { Checklist } from "@/components/checklist";
import type { CheckLine } from "@/lib/rotators/types";

export function CheckRotation({ rotatorId }: { rotatorId: string }) {
  const [result, setResult] = useState<{ checks: CheckLine[]; summary: string; ok: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <div className="stack">
      <div>
        <button
          type="button"
          className="btn"
          disabled={pending}
          onClick={() =>
            startTransition(async () => {
              setError(null);
              setResult(null);
              const r = await callAction(() => checkRotationAction(null, { rotatorId }));
              if (r.ok) setResult(r.data as { checks: CheckLine[]; summary: string; ok: boolean });
              else setError(r.error);
            })
          }
        >
          {pending ? "Checking…" : "Check rotation"}
        </button>
      </div>
      {error && <p className="alert alert-error" role="alert">{error}</p>}
      {result && (
        <section className={`alert ${result.ok ? "alert-ok" : "alert-error"}`} aria-label="Check rotation result">
          <Checklist checks={result.checks} summary={result.summary} />
        </section>
      )}
    </div>
  );
}
