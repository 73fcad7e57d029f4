"use client";
/** A button that runs a check (test a login, a connector, a rotation), changing nothing, and shows its outcome. */
import { useState, useTransition, type ReactNode } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { callAction, type ActionFailure } from "./action-form";

/**
 * The button and its outcome: the previous outcome goes when the check starts, the button waits (showing
 * `pendingLabel`) until it answers, then `outcome` renders what it said.
 */
export function RunCheck<T>({
  label,
  pendingLabel,
  className,
  run,
  outcome: render,
}: {
  label: string;
  pendingLabel: string;
  className: string;
  run: () => Promise<ActionResult<T>>;
  outcome: (outcome: ActionResult<T> | ActionFailure) => ReactNode;
}) {
  const [outcome, setOutcome] = useState<ActionResult<T> | ActionFailure | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <div className="stack">
      <div>
        <button
          type="button"
          className={className}
          disabled={pending}
          onClick={() =>
            startTransition(async () => {
              setOutcome(null);
              setOutcome(await callAction(run));
            })
          }
        >
          {pending ? pendingLabel : label}
        </button>
      </div>
      {outcome && render(outcome)}
    </div>
  );
}

/** A check whose answer is a sentence (the action's message, or `okText`) with any details under it. */
export function CheckButton({
  label,
  okText,
  testId,
  run,
}: {
  label: string;
  okText: string;
  testId: string;
  run: () => Promise<ActionResult<unknown>>;
}) {
  return (
    <RunCheck
      label={label}
      pendingLabel="Testing…"
      className="btn btn-primary"
      run={run}
      outcome={(r) => {
        const result = r.ok ? { ok: true, text: r.message ?? okText, details: (r.data as { details?: string[] } | undefined)?.details } : { ok: false, text: r.error };
        return (
          <div className={`alert ${result.ok ? "alert-ok" : "alert-error"}`} role={result.ok ? "status" : "alert"} data-testid={testId}>
            {result.text}
            {result.details && (
              <ul>
                {result.details.map((d) => (
                  <li key={d}>{d}</li>
                ))}
              </ul>
            )}
          </div>
        );
      }}
    />
  );
}
