"use client";
import { useState } from "react";
import { useActionForm } from "@/components/ui/action-form";
import { signInStepAction, type LoginState } from "./actions";

export function LoginForm() {
  // "Start over" mounts a fresh form: back to the password step.
  const [attempt, setAttempt] = useState(0);
  return <SignInSteps key={attempt} onStartOver={() => setAttempt((n) => n + 1)} />;
}

function SignInSteps({ onStartOver }: { onStartOver: () => void }) {
  // After a refused sign-in the email stays; the password does not.
  const { state, formAction: action, pending, kept } = useActionForm<LoginState>(signInStepAction, null);
  if (state && "step" in state && state.step === "code") {
    return (
      <form action={action} className="stack" aria-label="Two-factor sign-in">
        {state.error && <p className="alert alert-error" role="alert">{state.error}</p>}
        <p className="muted">Your account has two-factor sign-in. Enter the six-digit code from your authenticator app, or one of your recovery codes.</p>
        <label>
          Authentication code
          <input name="code" autoComplete="one-time-code" autoFocus required maxLength={40} />
        </label>
        <button className="btn btn-primary" type="submit" disabled={pending}>
          {pending ? "Checking…" : "Verify"}
        </button>
        <button className="btn" type="button" onClick={onStartOver}>Start over</button>
      </form>
    );
  }
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
