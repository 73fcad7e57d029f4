"use client";
import { useActionForm } from "@/components/ui/action-form";
import { ActionMessage } from "@/components/ui/action-message";
import { Field } from "@/components/ui/field";
import type { ActionResult } from "@/lib/auth/action";

type State = ActionResult<unknown> | null;

/** Current password, new password twice. Used on the account page and for the change an admin reset forces. */
export function ChangePasswordForm({
  action,
  minLength,
  submitLabel = "Change my password",
}: {
  action: (prev: State, form: FormData) => Promise<State>;
  /** PASSWORD_MIN_LENGTH, passed in: lib/users/validation reads server configuration and stays out of the browser. */
  minLength: number;
  submitLabel?: string;
}) {
  // Nothing is kept after a failure: every field is a password.
  const { state, formAction, pending } = useActionForm<State>(action, null);
  const errors = (state && !state.ok && state.fieldErrors) || {};
  return (
    <form action={formAction} className="stack" aria-label="Change password">
      <ActionMessage state={state} />
      <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required error={errors.currentPassword} />
      <Field label="New password" name="newPassword" type="password" autoComplete="new-password" required minLength={minLength} error={errors.newPassword} />
      <Field label="Confirm new password" name="confirm" type="password" autoComplete="new-password" required error={errors.confirm} />
      <p className="muted">At least {minLength} characters. Your other sessions are signed out.</p>
      <button className="btn btn-primary" type="submit" disabled={pending}>{pending ? "Changing…" : submitLabel}</button>
    </form>
  );
}
