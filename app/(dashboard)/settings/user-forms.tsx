"use client";
import { useActionForm } from "@/components/ui/action-form";
import { changeRoleAction, createUserAction, liftSignInLockAction, resetPasswordAction, setDisabledAction } from "./actions";
import type { ActionResult } from "@/lib/auth/action";
import { Field } from "@/components/ui/field";
import { ActionMessage } from "@/components/ui/action-message";

type State = ActionResult<unknown> | null;

export function AddUserForm() {
  const { state, formAction: action, pending, kept } = useActionForm<State>(createUserAction, null);
  const errors = (state && !state.ok && state.fieldErrors) || {};
  return (
    <form action={action} className="stack" aria-label="Add user">
      <ActionMessage state={state} />
      <Field label="Email" name="email" type="email" required defaultValue={kept("email")} error={errors.email} />
      <Field label="Name" name="name" defaultValue={kept("name")} error={errors.name} />
      <label>
        Role
        <select name="role" defaultValue={kept("role") ?? "viewer"}>
          <option value="viewer">viewer</option>
          <option value="operator">operator</option>
          <option value="admin">admin</option>
        </select>
      </label>
      <Field label="Initial password" name="password" type="password" autoComplete="new-password" required minLength={12} error={errors.password} />
      <button className="btn btn-primary" type="submit" disabled={pending}>Add user</button>
    </form>
  );
}

export function UserRowActions({ userId, email, role, disabled }: { userId: string; email: string; role: string; disabled: boolean }) {
  const { state: roleState, formAction: roleAction, pending: rolePending } = useActionForm<State>(changeRoleAction, null);
  const { state: disableState, formAction: disableAction, pending: disablePending } = useActionForm<State>(setDisabledAction, null);
  return (
    <div className="row">
      <form action={roleAction} className="row" aria-label={`Role of ${email}`}>
        <input type="hidden" name="userId" value={userId} />
        <select name="role" defaultValue={role} aria-label={`Role for ${email}`}>
          <option value="viewer">viewer</option>
          <option value="operator">operator</option>
          <option value="admin">admin</option>
        </select>
        <button className="btn btn-small" type="submit" disabled={rolePending}>Change role</button>
      </form>
      <form action={disableAction}>
        <input type="hidden" name="userId" value={userId} />
        <input type="hidden" name="disabled" value={disabled ? "false" : "true"} />
        <button className={`btn btn-small ${disabled ? "" : "btn-danger"}`} type="submit" disabled={disablePending}>
          {disabled ? `Enable ${email}` : `Disable ${email}`}
        </button>
      </form>
      <ActionMessage state={roleState} />
      <ActionMessage state={disableState} />
    </div>
  );
}

export function LiftLockButton({ lockKey, label }: { lockKey: string; label: string }) {
  const { state, formAction, pending } = useActionForm<State>(liftSignInLockAction, null);
  return (
    <form action={formAction} className="row">
      <input type="hidden" name="key" value={lockKey} />
      <button className="btn btn-small" type="submit" disabled={pending}>{`Lift lock on ${label}`}</button>
      <ActionMessage state={state} />
    </form>
  );
}

/** "Reset password" for a local user: a typed temporary password, or a generated one shown here once. */
export function ResetPasswordForm({ userId, email }: { userId: string; email: string }) {
  const { state, formAction, pending } = useActionForm<ActionResult<{ temporaryPassword: string | null }> | null>(resetPasswordAction, null);
  const errors = (state && !state.ok && state.fieldErrors) || {};
  return (
    <details>
      <summary>Reset password</summary>
      <form action={formAction} className="stack" aria-label={`Reset password of ${email}`}>
        <input type="hidden" name="userId" value={userId} />
        <Field label="Temporary password (blank: generate one)" name="password" type="password" autoComplete="new-password" error={errors.password} />
        <button className="btn btn-small btn-danger" type="submit" disabled={pending}>{`Reset password of ${email}`}</button>
        <ActionMessage state={state} />
        {state?.ok && state.data.temporaryPassword && (
          <p>
            Temporary password (shown once): <code className="mono" data-testid="temporary-password">{state.data.temporaryPassword}</code>
          </p>
        )}
      </form>
    </details>
  );
}
