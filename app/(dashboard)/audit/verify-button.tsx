"use client";
import { useActionState } from "react";
import { verifyAuditChainAction } from "./actions";
import type { ActionResult } from "@/lib/auth/action";

export function VerifyChainButton() {
  const [state, action, pending] = useActionState<ActionResult<unknown> | null, FormData>(verifyAuditChainAction, null);
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
