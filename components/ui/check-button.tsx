"use client";
/** A button that runs a check (test a login, a connector) and shows its outcome with any details. */
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { callAction } from "./action-form";

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
  const [result, setResult] = useState<{ ok: boolean; text: string; details?: string[] } | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <div className="stack">
      <div>
        <button
          type="button"
          className="btn btn-primary"
          disabled={pending}
          onClick={() =>
            startTransition(async () => {
              setResult(null);
              const r = await callAction(run);
              setResult(r.ok ? { ok: true, text: r.message ?? okText, details: (r.data as { details?: string[] } | undefined)?.details } : { ok: false, text: r.error });
            })
          }
        >
          {pending ? "Testing…" : label}
        </button>
      </div>
      {result && (
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
      )}
    </div>
  );
}
