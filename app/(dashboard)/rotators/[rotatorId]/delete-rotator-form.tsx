"use client";
import { useActionState } from "react";
import { deleteRotatorAction } from "../actions";
import type { ActionResult } from "@/lib/auth/action";
import { Field } from "@/components/ui/field";
import { ActionMessage } from "@/components/ui/action-message";

export function DeleteRotatorForm({ rotatorId, name }: { rotatorId: string; name: string }) {
  const [state, action, pending] = useActionState<ActionResult<unknown> | null, FormData>(deleteRotatorAction, null);
  return (
    <form action={action} className="stack" aria-label="Delete rotator">
      <ActionMessage state={state} />
      <p className="muted">Deletes the stored credentials and configuration. The users or keys at the target are left as they are.</p>
      <input type="hidden" name="rotatorId" value={rotatorId} />
      <Field label={`Type ${name} to confirm`} name="confirmName" required autoComplete="off" />
      <button className="btn btn-danger" type="submit" disabled={pending}>Delete rotator</button>
    </form>
  );
}
