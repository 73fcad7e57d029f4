"use server";
import { signOut } from "@/lib/auth/auth";
import { getCurrentUser } from "@/lib/auth/session";
import { getAppContext } from "@/lib/app-context";
import { recordAuditEvent } from "@/lib/db/queries/audit";
import { requestIp } from "@/lib/auth/request-ip";

export async function signOutAction(): Promise<void> {
  const user = await getCurrentUser();
  if (user) {
    const { db } = await getAppContext();
    await recordAuditEvent({ db, event: { actorId: user.id, actorLabel: user.email, ip: await requestIp(), action: "auth.sign_out" } });
  }
  await signOut({ redirectTo: "/login" });
}
