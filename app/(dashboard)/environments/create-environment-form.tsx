"use client";
import { useActionForm } from "@/components/ui/action-form";
import { createEnvironmentAction } from "./actions";
import type { ActionResult } from "@/lib/auth/action";
import { Field } from "@/components/ui/field";
import { ActionMessage } from "@/components/ui/action-message";

export function CreateEnvironmentForm() {
  const { state, formAction: action, pending, kept } = useActionForm<ActionResult<unknown> | null>(createEnvironmentAction, null);
  const errors = (state && !state.ok && state.fieldErrors) || {};
  return (
    <form action={action} className="stack" aria-label="Create environment">
      <ActionMessage state={state} />
      <Field label="Name" name="name" required placeholder="production" defaultValue={kept("name")} error={errors.name} />
      <Field label="Description" name="description" defaultValue={kept("description")} error={errors.description} />
      <button className="btn btn-primary" type="submit" disabled={pending}>Create environment</button>
    </form>
  );
}
