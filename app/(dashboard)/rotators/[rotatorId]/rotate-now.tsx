"use client";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { rotateNowAction } from "../actions";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { RunProgress } from "@/components/run-progress";
import { ReplacedPrompt, useRevisionBoundRequest } from "@/components/ui/replaced-prompt";

/**
 * `consumersBehind`: who still uses the credential this rotation retires (lib/environments/consumers.ts), or null.
 * `expectedRevision`: the environment revision this page was rendered from. A rotation request carries it, so a
 * second click (or another tab, or another operator) after a rotation already replaced the credential is refused
 * with when and by whom; only "Rotate again" rotates once more.
 */
export function RotateNow({
  rotatorId,
  rotatorName,
  consumersBehind,
  expectedRevision,
}: {
  rotatorId: string;
  rotatorName: string;
  consumersBehind: string | null;
  expectedRevision: number;
}) {
  const [runId, setRunId] = useState<string | null>(null);
  const router = useRouter();
  const { request: rotate, pending, error, replaced, dismiss } = useRevisionBoundRequest({
    send: (bound) => rotateNowAction(null, { rotatorId, ...(bound ? { expectedRevision } : {}) }),
    onStart: () => setRunId(null),
    onOk: (result) => setRunId((result.data as { runId: string }).runId),
  });
  return (
    <div>
      <ConfirmButton label="Rotate now" title={`Rotate ${rotatorName} now?`} confirmLabel="Rotate" disabled={pending} onConfirm={() => rotate(true)}>
        <p>A new credential is created and verified; the current one becomes previous and keeps working until the next rotation.</p>
        {consumersBehind && <p className="alert alert-warn" data-testid="rotate-consumers-behind">{consumersBehind}</p>}
      </ConfirmButton>
      {replaced && (
        <ReplacedPrompt message={replaced} againLabel="Rotate again" pending={pending} onAgain={() => rotate(false)} onCancel={dismiss} testId="rotate-replaced" />
      )}
      {error && <p className="alert alert-error" role="alert">{error}</p>}
      {runId && <RunProgress runId={runId} onFinished={() => router.refresh()} />}
    </div>
  );
}
