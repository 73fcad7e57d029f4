"use client";
import { useActionState } from "react";
import { createEnvironmentAction } from "./actions";
import type { ActionResult } from "@/lib/auth/action";
import { Field } from "@/components/ui/field";
import { ActionMessage } from "@/components/ui/action-message";

export function CreateEnvironmentForm() {
  const [state, action, pending] = useActionState<ActionResult<unknown> | null, FormData>(createEnvironmentAction, null);
  const errors = (state && !state.ok && state.fieldErrors) || {};
  return (
    <form action={action} className="stack" aria-label="Create environment">
      <ActionMessage state={state} />
      <Field label="Name" name="name" required placeholder="production" error={errors.name} />
      <Field label="Description" name="description" error={errors.description} />
      <button className="btn btn-primary" type="submit" disabled={pending}>Create environment</button>
    </form>
  );
}
