import type { ActionResult } from "@/lib/auth/action";

/** The outcome of a server action, announced to screen readers. */
export function ActionMessage({ state }: { state: ActionResult<unknown> | null }) {
  if (!state) return null;
  if (state.ok) return state.message ? <p className="alert alert-ok" role="status">{state.message}</p> : null;
  return <p className="alert alert-error" role="alert">{state.error}</p>;
}
