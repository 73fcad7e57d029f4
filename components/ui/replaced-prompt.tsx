"use client";
/**
 * The answer to a request refused as stale (rotation:stale-revision, lib/rotation/replaced-since.ts): what changed,
 * when and by whom, and the explicit confirmation that sends the request again without its revision. Rotate now,
 * Rotate environment and Roll back share it.
 */
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
