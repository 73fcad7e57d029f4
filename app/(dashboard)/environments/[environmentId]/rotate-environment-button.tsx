"use client";
/**
 * "Rotate environment": starts every rotator's run, then follows the batch until each started run has ended,
 * refreshes the page once to show the new state, and stops. Nothing polls while nothing runs.
 */
import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { rotateEnvironmentAction } from "../actions";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { ReplacedPrompt, useRevisionBoundRequest } from "@/components/ui/replaced-prompt";
import { StatusBadge } from "@/components/ui/status-badge";
import { fetchJson, queryKeys } from "@/components/query-keys";
import type { RunView } from "@/lib/rotation/run-view";
import type { StartedRotation } from "@/lib/rotation/rotate-environment";
import { runHasEnded } from "@/lib/db/vocabulary";

interface Batch {
  batchId: string;
  runs: StartedRotation[];
}


/** Whether every run the batch started has ended (skipped rotators never start one). */
function batchEnded(batch: Batch, runs: RunView[] | undefined): boolean {
  return batch.runs.every((r) => r.status === "skipped" || runHasEnded(runs?.find((run) => run.id === r.runId)?.status));
}

export function RotateEnvironmentButton({
  environmentId,
  environmentName,
  rotatorCount,
  consumersBehind,
  expectedRevision,
}: {
  environmentId: string;
  environmentName: string;
  rotatorCount: number;
  /** Who still uses a credential this rotation retires (lib/environments/consumers.ts), or null. */
  consumersBehind: string | null;
  /**
   * The environment revision this page was rendered from: a second click after a rotation already replaced a
   * credential is refused with when and by whom; only "Rotate again" rotates once more.
   */
  expectedRevision: number;
}) {
  const [batch, setBatch] = useState<Batch | null>(null);
  const router = useRouter();
  const { data } = useQuery({
    queryKey: queryKeys.batch(batch?.batchId ?? ""),
    queryFn: () => fetchJson<{ runs: RunView[] }>(`/api/batches/${batch!.batchId}`),
    enabled: batch !== null && !batchEnded(batch, undefined),
    // Pure: decides only whether to poll again. The refresh is an effect, below.
    refetchInterval: (query) => (batch && !batchEnded(batch, query.state.data?.runs) ? 1000 : false),
  });
  const done = batch !== null && batchEnded(batch, data?.runs);
  const { request: rotate, pending, error, replaced, dismiss } = useRevisionBoundRequest({
    send: (bound) => rotateEnvironmentAction(null, { environmentId, ...(bound ? { expectedRevision } : {}) }),
    onStart: () => setBatch(null),
    onOk: (result) => setBatch(result.data as Batch),
  });
  useEffect(() => {
    if (done) router.refresh();
  }, [done, router]);

  return (
    <div>
      <ConfirmButton
        label="Rotate environment"
        title={`Rotate every rotator of ${environmentName}?`}
        confirmLabel="Rotate all"
        disabled={pending || rotatorCount === 0 || (batch !== null && !done)}
        onConfirm={() => rotate(true)}
      >
        <p>Each of the {rotatorCount} rotators gets a new credential; the current one becomes previous and keeps working.</p>
        {consumersBehind && <p className="alert alert-warn" data-testid="rotate-consumers-behind">{consumersBehind}</p>}
      </ConfirmButton>
      {replaced && (
        <ReplacedPrompt message={replaced} againLabel="Rotate again" pending={pending} onAgain={() => rotate(false)} onCancel={dismiss} testId="rotate-environment-replaced" />
      )}
      {error && <p className="alert alert-error" role="alert">{error}</p>}
      {batch && (
        <ul aria-label="Environment rotation results" aria-live="polite">
          {batch.runs.map((started) => {
            const run = started.status === "running" ? data?.runs.find((r) => r.id === started.runId) : undefined;
            const message = started.status === "skipped" ? started.errorMessage : run?.errorMessage;
            return (
              <li key={started.rotatorId}>
                {started.rotatorName} <StatusBadge status={started.status === "skipped" ? "skipped" : (run?.status ?? "running")} />{" "}
                {message && <span className="field-error">{message}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
