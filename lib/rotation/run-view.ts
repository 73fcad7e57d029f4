/**
 * What the browser may see of a run: everything but the pending credential. Used by pages and the progress
 * endpoint alike so that nothing secret can slip into either.
 */
import type { RotationRun, RotationStep } from "../db/schema";

export interface StepView {
  id: number;
  name: string;
  status: RotationStep["status"];
  message: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface RunView {
  id: string;
  rotatorId: string | null;
  rotatorName: string;
  rotatorType: string;
  environmentId: string | null;
  environmentName: string;
  trigger: RotationRun["trigger"];
  actorLabel: string;
  status: RotationRun["status"];
  attempt: number;
  errorCode: string | null;
  errorMessage: string | null;
  revisionBefore: number | null;
  revisionAfter: number | null;
  startedAt: string;
  finishedAt: string | null;
  /** From start to finish; null while the run has not finished. */
  durationMs: number | null;
  steps: StepView[];
}

export function toRunView(run: RotationRun, steps: RotationStep[] = []): RunView {
  return {
    id: run.id,
    rotatorId: run.rotatorId,
    rotatorName: run.rotatorName,
    rotatorType: run.rotatorType,
    environmentId: run.environmentId,
    environmentName: run.environmentName,
    trigger: run.trigger,
    actorLabel: run.actorLabel,
    status: run.status,
    attempt: run.attempt,
    errorCode: run.errorCode,
    errorMessage: run.errorMessage,
    revisionBefore: run.revisionBefore,
    revisionAfter: run.revisionAfter,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    durationMs: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
    steps: steps.map((s) => ({
      id: s.id,
      name: s.name,
      status: s.status,
      message: s.message,
      startedAt: s.startedAt.toISOString(),
      finishedAt: s.finishedAt?.toISOString() ?? null,
      durationMs: s.finishedAt ? s.finishedAt.getTime() - s.startedAt.getTime() : null,
    })),
  };
}
