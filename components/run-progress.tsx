"use client";
/** Live step-by-step progress of one run; polls until the run has finished. */
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import type { RunView } from "@/lib/rotation/run-view";
import { runHasEnded } from "@/lib/db/vocabulary";
import { fetchJson, queryKeys } from "./query-keys";
import Link from "next/link";
import { StatusBadge } from "./ui/status-badge";
import { formatElapsed } from "./ui/duration";

const finished = (run?: RunView) => runHasEnded(run?.status);

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

/**
 * A run's steps with their durations and the run's total. The error is said once: a failed step whose message
 * is the run's error shows only its badge, and the run's alert names the step.
 */
export function RunSteps({ run, live = false }: { run: RunView; live?: boolean }) {
  const failedStep = run.errorMessage ? run.steps.find((s) => s.status === "failed" && s.message === run.errorMessage) : undefined;
  return (
    <div className="card" aria-live={live ? "polite" : undefined} data-testid={`run-${run.id}`}>
      <div className="spread">
        <strong>
          <Link href={`/history/${run.id}`}>Run {run.id.slice(0, 8)}</Link> · attempt {run.attempt}
        </strong>
        <span className="row">
          {run.durationMs !== null && <span className="muted" data-testid="run-duration">total {formatElapsed(run.durationMs)}</span>}
          <span data-testid="run-status" data-run-status={run.status}>
            <StatusBadge status={run.status} />
          </span>
        </span>
      </div>
      <ol aria-label="Steps">
        {run.steps.map((s) => (
          <li key={s.id}>
            <span className="mono">{s.name}</span> <StatusBadge status={s.status} />
            {s.durationMs !== null && <span className="muted"> {formatElapsed(s.durationMs)}</span>}
            {s.message && s !== failedStep && <div className={s.status === "failed" ? "field-error" : "muted"}>{s.message}</div>}
          </li>
        ))}
      </ol>
      {run.errorMessage && (
        <p className={`alert ${run.status === "held" ? "alert-warn" : "alert-error"} wrap`} role="alert">
          {failedStep && <>Failed at <span className="mono">{failedStep.name}</span>: </>}
          {run.errorMessage} <span className="mono muted">({run.errorCode})</span>
        </p>
      )}
    </div>
  );
}
