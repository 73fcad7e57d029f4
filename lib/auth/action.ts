import "server-only";
/**
 * The one wrapper every server action goes through: parse the input with the same zod schema the form
 * uses, check the session and the role on the server, call the service, and return a typed result. Errors
 * become a message for the user (toAppError: a rotator's own message, or for an unexpected error a reference
 * into the server log, where it is logged redacted).
 */
import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import type { Role } from "../env";
import { hasRole } from "./roles";
import { actorFor, auditDenied, getCurrentUser, getPasswordChangeUser, type SessionUser } from "./session";
import { toAppError } from "../errors";
import { getAppContext, type Actor, type AppContext } from "../app-context";
import { findNul, NUL_FIELD_MESSAGE } from "../request-body";

export type ActionResult<T = undefined> =
  | { ok: true; data: T; message?: string }
  /** `code`: the AppError code (`rotation:stale-revision`), for a form that offers a way on. */
  | { ok: false; error: string; code?: string; fieldErrors?: Record<string, string>; details?: unknown };

export interface ActionContext extends AppContext {
  user: SessionUser;
  actor: Actor;
}

export type ActionInput = FormData | Record<string, unknown> | null | undefined;

function toObject(input: ActionInput): Record<string, unknown> {
  if (!input) return {};
  if (input instanceof FormData) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of input.entries()) {
      if (key.startsWith("$ACTION")) continue;
      out[key] = typeof value === "string" ? value : value.name;
    }
    return out;
  }
  return input;
}

export function zodFieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "form";
    out[key] ??= issue.message;
  }
  return out;
}

export const PASSWORD_CHANGE_FIRST = "An admin reset your password: choose a new one first (Change your password).";

export const CORRECT_FIELDS = "Please correct the highlighted fields.";

/**
 * The one parse of a server action's input, as the REST API's door parses a body (lib/request-body.ts): a NUL
 * character anywhere is refused naming its field (PostgreSQL cannot store it), then the form's zod schema.
 * Server actions' body size is bounded by Next (serverActions.bodySizeLimit) and, with a clear 413, by proxy.ts.
 */
export function parseActionInput<S extends z.ZodType>(
  schema: S,
  input: ActionInput,
): { ok: true; data: z.infer<S> } | { ok: false; error: string; fieldErrors: Record<string, string> } {
  const object = toObject(input);
  const nul = findNul(object);
  if (nul !== null) return { ok: false, error: CORRECT_FIELDS, fieldErrors: { [nul || "form"]: NUL_FIELD_MESSAGE } };
  const parsed = schema.safeParse(object);
  if (!parsed.success) return { ok: false, error: CORRECT_FIELDS, fieldErrors: zodFieldErrors(parsed.error) };
  return { ok: true, data: parsed.data };
}

/**
 * Usable both as a `useActionState` action `(prev, formData)` and as a plain call `(null, object)`.
 */
export function authorizedAction<S extends z.ZodType, T>(
  options: { name: string; role: Role; schema: S },
  handler: (input: z.infer<S>, ctx: ActionContext) => Promise<ActionResult<T> | T>,
) {
  return async (_prev: unknown, input: ActionInput): Promise<ActionResult<T>> => {
    try {
      const user = await getCurrentUser();
      if (!user) {
        if (await getPasswordChangeUser()) return { ok: false, error: PASSWORD_CHANGE_FIRST };
        return { ok: false, error: "Your session has ended. Sign in again." };
      }
      if (!hasRole(user.role, options.role)) {
        await auditDenied(user, options.name, options.role);
        return { ok: false, error: `You need the ${options.role} role to do this.` };
      }
      const parsed = parseActionInput(options.schema, input);
      if (!parsed.ok) return parsed;
      const app = await getAppContext();
      const result = await handler(parsed.data, { ...app, user, actor: await actorFor(user) });
      if (result && typeof result === "object" && "ok" in result && typeof (result as ActionResult<T>).ok === "boolean") {
        return result as ActionResult<T>;
      }
      return { ok: true, data: result as T };
    } catch (error) {
      unstable_rethrow(error);
      const failure = toAppError(error, { context: `action ${options.name}` });
      return { ok: false, error: failure.message, code: failure.code, fieldErrors: failure.fieldErrors };
    }
  };
}
