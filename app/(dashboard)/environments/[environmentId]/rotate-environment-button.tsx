"use client";
import { useState, useTransition } from "react";
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { rotateEnvironmentAction } from "../actions";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { StatusBadge } from "@/components/ui/status-badge";
import { fetchJson, queryKeys } from "@/components/query-keys";
import type { RunView } from "@/lib/rotation/run-view";

export function RotateEnvironmentButton({
  environmentId,
  environmentName,
  rotatorCount,
  consumersBehind,
}: {
  environmentId: string;
  environmentName: string;
  rotatorCount: number;
  /** Who still uses a credential this rotation retires (lib/environments/consumers.ts), or null. */
  consumersBehind: string | null;
}) {
  const [batchId, setBatchId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  const { data } = useQuery({
    queryKey: queryKeys.batch(batchId ?? ""),
    queryFn: () => fetchJson<{ runs: RunView[] }>(`/api/batches/${batchId}`),
    enabled: Boolean(batchId),
    refetchInterval: (q) => {
      const runs = q.state.data?.runs ?? [];
      const done = runs.length >= rotatorCount && runs.every((r) => r.status === "succeeded" || r.status === "failed");
      if (done) router.refresh();
      return done ? false : 1000;
    },
  });
  return (
    <div>
      <ConfirmButton
        label="Rotate environment"
        title={`Rotate every rotator of ${environmentName}?`}
        confirmLabel="Rotate all"
        disabled={pending || rotatorCount === 0}
        onConfirm={() =>
          startTransition(async () => {
            setError(null);
            const result = await rotateEnvironmentAction(null, { environmentId });
            if (result.ok) setBatchId((result.data as { batchId: string }).batchId);
            else setError(result.error);
          })
        }
      >
        <p>Each of the {rotatorCount} rotators gets a new credential; the current one becomes previous and keeps working.</p>
        {consumersBehind && <p className="alert alert-warn" data-testid="rotate-consumers-behind">{consumersBehind}</p>}
      </ConfirmButton>
      {error && <p className="alert alert-error" role="alert">{error}</p>}
      {batchId && (
        <ul aria-label="Environment rotation results" aria-live="polite">
          {(data?.runs ?? []).map((r) => (
            <li key={r.id}>
              {r.rotatorName} <StatusBadge status={r.status} /> {r.errorMessage && <span className="field-error">{r.errorMessage}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
