"use client";
import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { rotateAnywayAction } from "../actions";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { RunProgress } from "@/components/run-progress";
import { callAction } from "@/components/ui/action-form";

/**
 * The lockout guard held the last rotation (policy hold): what it found, and "Rotate anyway" for an operator,
 * whose confirmation names who still uses the credential the rotation retires.
 */
export function HeldRotation({
  rotatorId,
  rotatorName,
  heldRunId,
  finding,
  stillUsedBy,
  canOperate,
}: {
  rotatorId: string;
  rotatorName: string;
  heldRunId: string;
  finding: string;
  stillUsedBy: string[];
  canOperate: boolean;
}) {
  const [runId, setRunId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  return (
    <section className="card" aria-label="Rotation held" data-testid="rotation-held">
      <h2>Rotation held</h2>
      <p className="alert alert-warn">{finding}</p>
      {canOperate && !runId && (
        <ConfirmButton
          label="Rotate anyway"
          title={`Rotate ${rotatorName} anyway?`}
          confirmLabel="Rotate anyway"
          disabled={pending}
          onConfirm={() =>
            startTransition(async () => {
              setError(null);
              const result = await callAction(() => rotateAnywayAction(null, { rotatorId, heldRunId }));
              if (result.ok) setRunId((result.data as { runId: string }).runId);
              else setError(result.error);
            })
          }
        >
          <p>The credential this rotation retires is still in use. Rotating now locks these out:</p>
          <ul aria-label="Still used by">
            {stillUsedBy.map((who) => (
              <li key={who}>{who}</li>
            ))}
          </ul>
          <p className="muted">Your choice is recorded in the audit log.</p>
        </ConfirmButton>
      )}
      {error && <p className="alert alert-error" role="alert">{error}</p>}
      {runId && <RunProgress runId={runId} onFinished={() => router.refresh()} />}
    </section>
  );
}
