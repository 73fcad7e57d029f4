"use client";
/**
 * Calling server actions from the browser, the same way in every form:
 * - an action that could not run at all (a body over the limit, answered 413 by proxy.ts; the server gone; a
 *   page older than the running Rotor) ends as a message on the form instead of the error page;
 * - after a failure a form keeps what the user typed: React resets a `<form action>` after each submission
 *   to its fields' `defaultValue`s, so `useActionForm` hands back the submitted text for the fields the form
 *   chooses to keep (never passwords).
 */
import { useActionState } from "react";
import { unstable_rethrow } from "next/navigation";

export interface ActionFailure {
  ok: false;
  error: string;
  fieldErrors?: Record<string, string>;
}

/** What the user reads when an action did not run. */
export function actionFailure(error: unknown): ActionFailure {
  if (error instanceof TypeError) return { ok: false, error: "Rotor did not answer. Check your connection and try again." };
  if (error instanceof Error && error.name === "UnrecognizedActionError") {
    return { ok: false, error: "This page is older than the running Rotor. Reload it and try again." };
  }
  const digest = error && typeof error === "object" && "digest" in error ? String((error as { digest: unknown }).digest) : null;
  if (digest) return { ok: false, error: `Rotor could not do this because of an unexpected error (reference ${digest}); the server log has the details.` };
  // Next's client passes a text/plain answer of the server (proxy.ts: too large) on as the message.
  return { ok: false, error: error instanceof Error && error.message ? error.message : "Rotor could not do this. Try again." };
}

/** Runs a server action; navigation (redirect, not found) goes on as Next intends, any other throw becomes a failure. */
export async function callAction<R>(run: () => Promise<R>): Promise<R | ActionFailure> {
  try {
    return await run();
  } catch (error) {
    unstable_rethrow(error);
    return actionFailure(error);
  }
}

function failed(state: unknown): boolean {
  return Boolean(state && typeof state === "object" && "error" in state && (state as { error?: unknown }).error);
}

function submittedText(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of formData.entries()) if (typeof value === "string" && !name.startsWith("$ACTION")) out[name] = value;
  return out;
}

/**
 * `useActionState` for a `<form action>`, plus `kept(name)`: after a failed submission, what was submitted in
 * that field (undefined otherwise) — pass it as the field's `defaultValue`, for the fields worth keeping.
 */
export function useActionForm<S>(action: (previous: S, formData: FormData) => Promise<S>, initial: S) {
  type Held = { state: S | ActionFailure; typed: Record<string, string> };
  const [{ state, typed }, formAction, pending] = useActionState<Held, FormData>(
    async (previous, formData) => {
      const state: S | ActionFailure = await callAction(() => action(previous.state as S, formData));
      return { state, typed: failed(state) ? submittedText(formData) : {} };
    },
    { state: initial, typed: {} },
  );
  return { state, formAction, pending, kept: (name: string): string | undefined => typed[name] };
}
