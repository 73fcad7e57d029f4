"use client";
import { ConfirmDeleteForm } from "@/components/ui/confirm-delete-form";
import { useActionForm } from "@/components/ui/action-form";
import { deleteEnvironmentAction, deleteValueAction, renameEnvironmentAction, setValueAction } from "../actions";
import type { ActionResult } from "@/lib/auth/action";
import { Field } from "@/components/ui/field";
import { ActionMessage } from "@/components/ui/action-message";

type State = ActionResult<unknown> | null;

export function RenameEnvironmentForm({ environmentId, name, description }: { environmentId: string; name: string; description: string }) {
  const { state, formAction: action, pending, kept } = useActionForm<State>(renameEnvironmentAction, null);
  const errors = (state && !state.ok && state.fieldErrors) || {};
  return (
    <form action={action} className="stack" aria-label="Rename environment">
      <ActionMessage state={state} />
      <input type="hidden" name="environmentId" value={environmentId} />
      <Field label="Name" name="name" defaultValue={kept("name") ?? name} required error={errors.name} />
      <Field label="Description" name="description" defaultValue={kept("description") ?? description} error={errors.description} />
      <button className="btn" type="submit" disabled={pending}>Save</button>
    </form>
  );
}

export function DeleteEnvironmentForm({ environmentId, name }: { environmentId: string; name: string }) {
  return (
    <ConfirmDeleteForm what="environment" name={name} idField="environmentId" id={environmentId} action={deleteEnvironmentAction}>
      <p className="muted">Deletes its rotators, values, schedules and revisions, including every stored credential. Run history is kept. Credentials at the targets are not changed.</p>
    </ConfirmDeleteForm>
  );
}

export function SetValueForm({ environmentId }: { environmentId: string }) {
  const { state, formAction: action, pending, kept } = useActionForm<State>(setValueAction, null);
  const errors = (state && !state.ok && state.fieldErrors) || {};
  return (
    <form action={action} className="row" aria-label="Set value">
      <input type="hidden" name="environmentId" value={environmentId} />
      <Field label="Key" name="key" required defaultValue={kept("key")} error={errors.key} />
      <Field label="Value" name="value" defaultValue={kept("value")} error={errors.value} />
      <label className="row" style={{ display: "flex" }}>
        <input type="checkbox" name="secret" defaultChecked={kept("secret") === "on"} /> Secret
      </label>
      <button className="btn" type="submit" disabled={pending}>Set value</button>
      <ActionMessage state={state} />
    </form>
  );
}

export function DeleteValueButton({ environmentId, valueKey }: { environmentId: string; valueKey: string }) {
  const { state, formAction: action, pending } = useActionForm<State>(deleteValueAction, null);
  return (
    <form action={action}>
      <input type="hidden" name="environmentId" value={environmentId} />
      <input type="hidden" name="key" value={valueKey} />
      <button className="btn btn-small" type="submit" disabled={pending} aria-label={`Remove ${valueKey}`}>Remove</button>
      {state && !state.ok && <span className="field-error">{state.error}</span>}
    </form>
  );
}
