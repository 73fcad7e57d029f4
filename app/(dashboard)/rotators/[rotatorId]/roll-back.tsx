"use client";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { rollbackAction } from "../actions";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { ReplacedPrompt, useRevisionBoundRequest } from "@/components/ui/replaced-prompt";

/**
 * Roll back: make the previous credential current again, for a consumer that broke after a rotation.
 * `effect` says what that does for this rotator's type; `unavailable`, why there is nothing to roll back to (the
 * button is then disabled and the reason shown). Like Rotate now, the request carries the revision the page was
 * rendered from, so a second click is refused with who changed it; only "Roll back anyway" goes on.
 */
export function RollBack({
  rotatorId,
  rotatorName,
  effect,
  unavailable,
  expectedRevision,
}: {
  rotatorId: string;
  rotatorName: string;
  effect: string;
  unavailable: string | null;
  expectedRevision: number;
}) {
  const [done, setDone] = useState<string | null>(null);
  const router = useRouter();
  const { request: rollBack, pending, error, replaced, dismiss } = useRevisionBoundRequest({
    send: (bound) => rollbackAction(null, { rotatorId, ...(bound ? { expectedRevision } : {}) }),
    onStart: () => setDone(null),
    onOk: (result) => {
      setDone(result.message ?? "Rolled back.");
      router.refresh();
    },
  });
  return (
    <div data-testid="roll-back">
      <ConfirmButton label="Roll back" className="btn" title={`Roll back ${rotatorName}?`} confirmLabel="Roll back" disabled={pending || unavailable !== null} onConfirm={() => rollBack(true)}>
        <p>{effect}</p>
        <p className="muted">Rotor first checks that the previous credential still works; the rollback is a new revision and is recorded in the audit log.</p>
      </ConfirmButton>
      {unavailable && <p className="muted" data-testid="roll-back-unavailable">{unavailable}</p>}
      {replaced && (
        <ReplacedPrompt message={replaced} againLabel="Roll back anyway" pending={pending} onAgain={() => rollBack(false)} onCancel={dismiss} testId="roll-back-replaced" />
      )}
      {error && <p className="alert alert-error" role="alert">{error}</p>}
      {done && <p className="alert alert-ok" role="status">{done}</p>}
    </div>
  );
}
