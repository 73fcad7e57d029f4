"use client";
/** Live step-by-step progress of one run; polls until the run has finished. */
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import type { RunView } from "@/lib/rotation/run-view";
import { fetchJson, queryKeys } from "./query-keys";
import { StatusBadge } from "./ui/status-badge";

const finished = (run?: RunView) => run?.status === "succeeded" || run?.status === "failed" || run?.status === "held";

export function RunProgress({ runId, onFinished }: { runId: string; onFinished?: (run: RunView) => void }) {
  const { data: run, error } = useQuery({
    queryKey: queryKeys.run(runId),
    queryFn: () => fetchJson<RunView>(`/api/runs/${runId}`),
    refetchInterval: (query) => (finished(query.state.data) ? false : 700),
  });
  useEffect(() => {
    if (run && finished(run)) onFinished?.(run);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [run?.status]);
  if (error) return <p className="alert alert-error" role="alert">{(error as Error).message}</p>;
  if (!run) return <p className="muted">Starting…</p>;
  return (
    <div data-testid="live-run">
      <RunSteps run={run} live />
    </div>
  );
}

export function RunSteps({ run, live = false }: { run: RunView; live?: boolean }) {
  return (
    <div className="card" aria-live={live ? "polite" : undefined} data-testid={`run-${run.id}`}>
      <div className="spread">
        <strong>Run {run.id.slice(0, 8)} · attempt {run.attempt}</strong>
        <span data-testid="run-status" data-run-status={run.status}>
          <StatusBadge status={run.status} />
        </span>
      </div>
      <ol aria-label="Steps">
        {run.steps.map((s) => (
          <li key={s.id}>
            <span className="mono">{s.name}</span> <StatusBadge status={s.status} />
            {s.durationMs !== null && <span className="muted"> {s.durationMs} ms</span>}
            {s.message && <div className={s.status === "failed" ? "field-error" : "muted"}>{s.message}</div>}
          </li>
        ))}
      </ol>
      {run.errorMessage && (
        <p className={`alert ${run.status === "held" ? "alert-warn" : "alert-error"}`} role="alert">
          {run.errorMessage} <span className="mono muted">({run.errorCode})</span>
        </p>
      )}
    </div>
  );
}
