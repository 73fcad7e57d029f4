"use client";
import { useActionForm } from "@/components/ui/action-form";
import { verifyAuditChainAction } from "./actions";
import type { ActionResult } from "@/lib/auth/action";

export function VerifyChainButton() {
  const { state, formAction: action, pending } = useActionForm<ActionResult<unknown> | null>(verifyAuditChainAction, null);
  return (
    <form action={action} className="row">
      <button className="btn" type="submit" disabled={pending}>{pending ? "Verifying…" : "Verify chain"}</button>
      {state && (
        <span role="status" className={`alert ${state.ok ? "alert-ok" : "alert-error"}`}>
          {state.ok ? state.message : state.error}
        </span>
      )}
    </form>
  );
}
