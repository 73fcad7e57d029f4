"use client";
import { useActionState } from "react";
import { passwordSignInAction, type LoginState } from "./actions";

export function LoginForm() {
  const [state, action, pending] = useActionState<LoginState, FormData>(passwordSignInAction, null);
  return (
    <form action={action} className="stack" aria-label="Sign in with email and password">
      {state?.error && <p className="alert alert-error" role="alert">{state.error}</p>}
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required />
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
