"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { signOut } from "@/lib/auth/auth";
import { authorizedAction } from "@/lib/auth/action";
import { actorFor, getCurrentUser } from "@/lib/auth/session";
import { getAppContext } from "@/lib/app-context";
import { endAllSessions, revokeSession } from "@/lib/auth/sessions";
import { changePasswordSchema } from "@/lib/users/validation";
import { changeOwnPassword } from "@/lib/users/passwords";
import { confirmTotpEnrolment, disableTotp, startTotpEnrolment } from "@/lib/auth/two-factor";

/** "Sign out everywhere": every session of this user ends on the server, this one too. */
export async function signOutEverywhereAction(): Promise<void> {
  const user = await getCurrentUser();
  if (user) {
    const { db } = await getAppContext();
    await endAllSessions({ db, actor: await actorFor(user), userId: user.id, targetLabel: user.email });
  }
  await signOut({ redirectTo: "/login" });
}

export const revokeSessionAction = authorizedAction(
  { name: "account.revoke_session", role: "viewer", schema: z.object({ sessionId: z.uuid("Choose a session") }) },
  async (input, ctx) => {
    // Only the user's own sessions: revokeSession matches the session's user.
    await revokeSession({ db: ctx.db, actor: ctx.actor, userId: ctx.user.id, sessionId: input.sessionId });
    revalidatePath("/account");
    return { ok: true as const, data: undefined, message: "Session signed out." };
  },
);

export const changePasswordAction = authorizedAction({ name: "account.change_password", role: "viewer", schema: changePasswordSchema }, async (input, ctx) => {
  const { otherSessionsEnded } = await changeOwnPassword({
    db: ctx.db,
    actor: ctx.actor,
    userId: ctx.user.id,
    sessionId: ctx.user.sessionId,
    currentPassword: input.currentPassword,
    newPassword: input.newPassword,
  });
  revalidatePath("/account");
  const ended = otherSessionsEnded === 0 ? "" : ` ${otherSessionsEnded} other session${otherSessionsEnded === 1 ? " was" : "s were"} signed out.`;
  return { ok: true as const, data: undefined, message: `Password changed.${ended}` };
});

const codeSchema = z.object({ code: z.string().trim().min(1, "Enter the code").max(40, "That is not a code") });

/** The secret and URI go back once, in this answer; the page never shows them again. */
export const startTotpAction = authorizedAction({ name: "account.totp_start", role: "viewer", schema: z.object({}) }, async (_input, ctx) => {
  const started = await startTotpEnrolment({ db: ctx.db, keyring: ctx.keyring, userId: ctx.user.id });
  return { ok: true as const, data: started };
});

/** The recovery codes go back once, in this answer. */
export const confirmTotpAction = authorizedAction({ name: "account.totp_confirm", role: "viewer", schema: codeSchema }, async (input, ctx) => {
  const confirmed = await confirmTotpEnrolment({ db: ctx.db, keyring: ctx.keyring, actor: ctx.actor, userId: ctx.user.id, code: input.code });
  revalidatePath("/account");
  return { ok: true as const, data: confirmed, message: "Two-factor sign-in is on." };
});

export const disableTotpAction = authorizedAction({ name: "account.totp_disable", role: "viewer", schema: codeSchema }, async (input, ctx) => {
  await disableTotp({ db: ctx.db, keyring: ctx.keyring, actor: ctx.actor, userId: ctx.user.id, code: input.code });
  revalidatePath("/account");
  return { ok: true as const, data: undefined, message: "Two-factor sign-in is off." };
});
