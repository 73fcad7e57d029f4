"use server";
import { redirect } from "next/navigation";
import { getAppContext } from "@/lib/app-context";
import { parseActionInput, type ActionResult } from "@/lib/auth/action";
import { actorFor, getPasswordChangeUser } from "@/lib/auth/session";
import { changePasswordSchema } from "@/lib/users/validation";
import { changeOwnPassword } from "@/lib/users/passwords";
import { toAppError } from "@/lib/errors";

/**
 * The one action a user whose password an admin reset may run (besides signing out): authorizedAction refuses
 * them, so this checks the session itself, with getPasswordChangeUser.
 */
export async function forcedChangePasswordAction(_prev: unknown, formData: FormData): Promise<ActionResult<undefined>> {
  const user = await getPasswordChangeUser();
  if (!user) return { ok: false, error: "Your session has ended, or your password was already changed. Sign in again." };
  const parsed = parseActionInput(changePasswordSchema, formData);
  if (!parsed.ok) return parsed;
  try {
    const { db } = await getAppContext();
    await changeOwnPassword({
      db,
      actor: await actorFor(user),
      userId: user.id,
      sessionId: user.sessionId,
      currentPassword: parsed.data.currentPassword,
      newPassword: parsed.data.newPassword,
    });
  } catch (error) {
    const failure = toAppError(error, { context: "action account.forced_change_password" });
    return { ok: false, error: failure.message, fieldErrors: failure.fieldErrors };
  }
  redirect("/");
}
