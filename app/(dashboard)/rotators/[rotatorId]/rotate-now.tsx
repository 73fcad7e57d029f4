"use client";
import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { rotateNowAction } from "../actions";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { RunProgress } from "@/components/run-progress";
import { callAction } from "@/components/ui/action-form";

/** `consumersBehind`: who still uses the credential this rotation retires (lib/environments/consumers.ts), or null. */
export function RotateNow({ rotatorId, rotatorName, consumersBehind }: { rotatorId: string; rotatorName: string; consumersBehind: string | null }) {
  const [runId, setRunId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  return (
    <div>
      <ConfirmButton
        label="Rotate now"
        title={`Rotate ${rotatorName} now?`}
        confirmLabel="Rotate"
        disabled={pending}
        onConfirm={() =>
          startTransition(async () => {
            setError(null);
            setRunId(null);
            const result = await callAction(() => rotateNowAction(null, { rotatorId }));
            if (result.ok) setRunId((result.data as { runId: string }).runId);
            else setError(result.error);
          })
        }
      >
        <p>A new credential is created and verified; the current one becomes previous and keeps working until the next rotation.</p>
        {consumersBehind && <p className="alert alert-warn" data-testid="rotate-consumers-behind">{consumersBehind}</p>}
      </ConfirmButton>
      {error && <p className="alert alert-error" role="alert">{error}</p>}
      {runId && <RunProgress runId={runId} onFinished={() => router.refresh()} />}
    </div>
  );
}
