"use client";
/** Delete with a typed confirmation: the user types the item's name; the server checks it again. */
import type { ReactNode } from "react";
import { useActionForm } from "./action-form";
import type { ActionResult } from "@/lib/auth/action";
import { Field } from "./field";
import { ActionMessage } from "./action-message";

type State = ActionResult<unknown> | null;

export function ConfirmDeleteForm({
  what,
  name,
  idField,
  id,
  action: serverAction,
  children,
}: {
  /** "rotator", "login", …: names the form and its button ("Delete rotator"). */
  what: string;
  name: string;
  idField: string;
  id: string;
  action: (prev: State, input: FormData) => Promise<State>;
  /** What deleting does and does not do. */
  children?: ReactNode;
}) {
  const { state, formAction: action, pending } = useActionForm<State>(serverAction, null);
  return (
    <form action={action} className="stack" aria-label={`Delete ${what}`}>
      <ActionMessage state={state} />
      {children}
      <input type="hidden" name={idField} value={id} />
      <Field label={`Type ${name} to confirm`} name="confirmName" required autoComplete="off" error={(state && !state.ok && state.fieldErrors?.confirmName) || undefined} />
      <button className="btn btn-danger" type="submit" disabled={pending}>Delete {what}</button>
    </form>
  );
}
