"use client";
import { useActionForm } from "@/components/ui/action-form";
import { ActionMessage } from "@/components/ui/action-message";
import type { ActionResult } from "@/lib/auth/action";
import { revokeSessionAction } from "./actions";

export function RevokeSessionButton({ sessionId, label }: { sessionId: string; label: string }) {
  const { state, formAction, pending } = useActionForm<ActionResult<unknown> | null>(revokeSessionAction, null);
  return (
    <form action={formAction} className="row">
      <input type="hidden" name="sessionId" value={sessionId} />
      <button className="btn btn-small btn-danger" type="submit" disabled={pending} aria-label={`Sign out ${label}`}>Sign out</button>
      <ActionMessage state={state} />
    </form>
  );
}
