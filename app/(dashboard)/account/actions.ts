"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { signOut } from "@/lib/auth/auth";
import { authorizedAction } from "@/lib/auth/action";
import { actorFor, getCurrentUser } from "@/lib/auth/session";
import { getAppContext } from "@/lib/app-context";
import { endAllSessions, revokeSession } from "@/lib/auth/sessions";

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
