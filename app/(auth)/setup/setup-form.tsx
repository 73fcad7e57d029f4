"use client";
import { useActionForm } from "@/components/ui/action-form";
import { setupAction, type SetupState } from "./actions";
import { Field } from "@/components/ui/field";

export function SetupForm({ token }: { token: string }) {
  const { state, formAction: action, pending, kept } = useActionForm<SetupState>(setupAction, null);
  const errors = state?.fieldErrors ?? {};
  return (
    <form action={action} className="stack" aria-label="Create the first admin">
      {state?.error && <p className="alert alert-error" role="alert">{state.error}</p>}
      <input type="hidden" name="token" value={token} />
      <Field label="Email" name="email" type="email" autoComplete="username" required defaultValue={kept("email")} error={errors.email} />
      <Field label="Name" name="name" autoComplete="name" defaultValue={kept("name")} error={errors.name} />
      <Field label="Password" name="password" type="password" autoComplete="new-password" required minLength={12} error={errors.password} />
      <Field label="Confirm password" name="confirm" type="password" autoComplete="new-password" required error={errors.confirm} />
      <button className="btn btn-primary" type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create admin"}
      </button>
    </form>
  );
}
