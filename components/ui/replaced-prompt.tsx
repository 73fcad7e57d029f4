"use client";
/**
 * The answer to a request refused as stale (rotation:stale-revision, lib/rotation/replaced-since.ts): what changed,
 * when and by whom, and the explicit confirmation that sends the request again without its revision. Rotate now,
 * Rotate environment and Roll back share it: `useRevisionBoundRequest` sends the request and sorts its answer,
 * `ReplacedPrompt` shows the refusal.
 */
import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { callAction, type ActionFailure } from "./action-form";

/** A server action's answer (lib/auth/action.ts ActionResult): a success, or a failure with its code. */
type Answer = { ok: true } | { ok: false; error: string; code?: string };

/**
 * Sends a request bound to the revision a page was rendered from (`send(true)`), or the explicit confirmation
 * without it (`send(false)`). A success goes to `onOk`; a stale refusal to `replaced` (for ReplacedPrompt), any
 * other failure to `error`. `onStart` clears what the last answer showed; `dismiss` drops the refusal and
 * re-renders the page from the current revision.
 */
export function useRevisionBoundRequest<R extends Answer>({
  send,
  onOk,
  onStart,
}: {
  send: (bound: boolean) => Promise<R>;
  onOk: (result: Extract<R, { ok: true }>) => void;
  onStart?: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [replaced, setReplaced] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  const request = (bound: boolean) =>
    startTransition(async () => {
      setError(null);
      setReplaced(null);
      onStart?.();
      const result: R | ActionFailure = await callAction(() => send(bound));
      if (result.ok) onOk(result as Extract<R, { ok: true }>);
      else if ("code" in result && result.code === "rotation:stale-revision") setReplaced(result.error);
      else setError(result.error);
    });
  const dismiss = () => {
    setReplaced(null);
    router.refresh();
  };
  return { request, pending, error, replaced, dismiss };
}

export function ReplacedPrompt({
  message,
  againLabel,
  pending,
  onAgain,
  onCancel,
  testId,
}: {
  message: string;
  againLabel: string;
  pending: boolean;
  onAgain: () => void;
  onCancel: () => void;
  testId: string;
}) {
  return (
    <div className="alert alert-warn" role="alert" data-testid={testId}>
      <p>{message}</p>
      <div className="row">
        <button type="button" className="btn btn-small" disabled={pending} onClick={onAgain}>{againLabel}</button>
        <button type="button" className="btn btn-small" onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}
