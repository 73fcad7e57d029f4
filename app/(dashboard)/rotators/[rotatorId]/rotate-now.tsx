"use client";
import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { rotateNowAction } from "../actions";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { RunProgress } from "@/components/run-progress";
import { callAction } from "@/components/ui/action-form";
import { ReplacedPrompt } from "@/components/ui/replaced-prompt";

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
  const [error, setError] = useState<string | null>(null);
  const [replaced, setReplaced] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  const rotate = (bound: boolean) =>
    startTransition(async () => {
      setError(null);
      setReplaced(null);
      setRunId(null);
      const result = await callAction(() => rotateNowAction(null, { rotatorId, ...(bound ? { expectedRevision } : {}) }));
      if (result.ok) setRunId((result.data as { runId: string }).runId);
      else if ("code" in result && result.code === "rotation:stale-revision") setReplaced(result.error);
      else setError(result.error);
    });
  return (
    <div>
      <ConfirmButton label="Rotate now" title={`Rotate ${rotatorName} now?`} confirmLabel="Rotate" disabled={pending} onConfirm={() => rotate(true)}>
        <p>A new credential is created and verified; the current one becomes previous and keeps working until the next rotation.</p>
        {consumersBehind && <p className="alert alert-warn" data-testid="rotate-consumers-behind">{consumersBehind}</p>}
      </ConfirmButton>
      {replaced && (
        <ReplacedPrompt message={replaced} againLabel="Rotate again" pending={pending} onAgain={() => rotate(false)} onCancel={() => { setReplaced(null); router.refresh(); }} testId="rotate-replaced" />
      )}
      {error && <p className="alert alert-error" role="alert">{error}</p>}
      {runId && <RunProgress runId={runId} onFinished={() => router.refresh()} />}
    </div>
  );
}
