"use client";
import { useActionForm } from "@/components/ui/action-form";
import { passwordSignInAction, type LoginState } from "./actions";

export function LoginForm() {
  // After a refused sign-in the email stays; the password does not.
  const { state, formAction: action, pending, kept } = useActionForm<LoginState>(passwordSignInAction, null);
  return (
    <form action={action} className="stack" aria-label="Sign in with email and password">
      {state?.error && <p className="alert alert-error" role="alert">{state.error}</p>}
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required defaultValue={kept("email")} />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <button className="btn btn-primary" type="submit" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
