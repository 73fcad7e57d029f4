"use server";
import { signOut } from "@/lib/auth/auth";
import { actorFor, getCurrentUser, getPasswordChangeUser } from "@/lib/auth/session";
import { getAppContext } from "@/lib/app-context";
import { endSession } from "@/lib/auth/sessions";

/** Ends this session on the server first (the cookie stops working even if a copy survives), then the cookie. */
export async function signOutAction(): Promise<void> {
  // A user who must change their password may sign out instead: that session ends too.
  const user = (await getCurrentUser()) ?? (await getPasswordChangeUser());
  if (user) {
    const { db } = await getAppContext();
    await endSession({ db, actor: await actorFor(user), userId: user.id, sessionId: user.sessionId });
  }
  await signOut({ redirectTo: "/login" });
}
