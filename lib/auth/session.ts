import "server-only";
/**
 * The current user, checked against the database on every request: a session stops working the moment it is
 * revoked (sign out), or its user is disabled or their role changes (sessionsValidAfter), whatever the cookie says.
 *
 * A user whose password an admin reset (mustChangePassword) is signed in for one thing only: choosing a new
 * password. getCurrentUser, which every page, action and route door uses, does not return them at all, so no
 * door can forget the rule; only the change-password page and its action read getPasswordChangeUser.
 */
import { cache } from "react";
import { redirect } from "next/navigation";
import { cookies } from "next/headers";
import { auth } from "./auth";
import { getAppContext, type Actor } from "../app-context";
import { getUserById } from "../db/queries/users";
import { recordAuditEvent } from "../db/queries/audit";
import type { Role } from "../env";
import { hasRole } from "./roles";
import { requestIp } from "./request-ip";
import { isSessionActive } from "./sessions";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** The server-side session this request belongs to (lib/auth/sessions.ts). */
  sessionId: string;
}

const getSessionUser = cache(async (): Promise<(SessionUser & { mustChangePassword: boolean }) | null> => {
  const session = (await auth()) as { userId?: string; sessionId?: string; signedInAt?: number } | null;
  // A cookie without a session id predates server-side sessions: it is refused like a revoked one.
  if (!session?.userId || !session.sessionId || !session.signedInAt) return null;
  const { db } = await getAppContext();
  const user = await getUserById({ db, id: session.userId });
  if (!user || user.disabledAt) return null;
  if (session.signedInAt < user.sessionsValidAfter.getTime()) return null;
  if (!(await isSessionActive({ db, sessionId: session.sessionId, userId: user.id }))) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionId: session.sessionId, mustChangePassword: user.mustChangePassword };
});

/** The signed-in user, or null when signed out — and while they must change their password first. */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const user = await getSessionUser();
  if (!user || user.mustChangePassword) return null;
  const { mustChangePassword: _, ...rest } = user;
  return rest;
});

/** The signed-in user who must change their password before anything else (null for everyone else). */
export async function getPasswordChangeUser(): Promise<SessionUser | null> {
  const user = await getSessionUser();
  if (!user?.mustChangePassword) return null;
  const { mustChangePassword: _, ...rest } = user;
  return rest;
}

/** Where a request without a usable user goes: the forced password change, or sign-in. */
export const CHANGE_PASSWORD_PATH = "/change-password";

export async function actorFor(user: SessionUser): Promise<Actor> {
  return { id: user.id, label: user.email, ip: await requestIp() };
}

/** Records that someone tried something their role does not allow. */
export async function auditDenied(user: SessionUser, what: string, required: Role): Promise<void> {
  const { db } = await getAppContext();
  await recordAuditEvent({
    db,
    event: {
      actorId: user.id,
      actorLabel: user.email,
      ip: await requestIp(),
      action: "permission.denied",
      outcome: "denied",
      details: { attempted: what, required, role: user.role },
    },
  });
}

async function hasSessionCookie(): Promise<boolean> {
  const jar = await cookies();
  return jar.getAll().some((c) => c.name.endsWith("authjs.session-token"));
}

/** For pages and layouts: sends a signed-out visitor to the sign-in page and a too-weak role to /forbidden. */
export async function requirePageUser(required: Role = "viewer", what = "page"): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) {
    if (await getPasswordChangeUser()) redirect(CHANGE_PASSWORD_PATH);
    redirect((await hasSessionCookie()) ? "/login?reason=session" : "/login");
  }
  if (!hasRole(user.role, required)) {
    await auditDenied(user, what, required);
    redirect(`/forbidden?need=${required}`);
  }
  return user;
}
