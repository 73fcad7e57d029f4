import "server-only";
/**
 * Server-side sessions. The session cookie (an Auth.js JWT) names a row in user_sessions; a request is signed
 * in only while that row is active, so signing out, "Sign out everywhere" and revoking a session from the
 * account page end it at once — a copied cookie stops working too.
 */
import type { Db } from "../db/client";
import type { UserSession } from "../db/schema";
import {
  deleteDeadUserSessions,
  getUserSessionById,
  insertUserSession,
  listActiveUserSessions,
  revokeUserSession,
  revokeUserSessions,
  touchUserSession,
} from "../db/queries/sessions";
import { insertAuditEvent } from "../db/queries/audit";
import { byActor, type Actor } from "../app-context";
import { AppError } from "../errors";

/** A session's absolute lifetime (also the cookie's). */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;
const TOUCH_EVERY_MS = 60_000;
const DEAD_SESSIONS_KEPT_MS = 24 * 60 * 60 * 1000;

export async function startSession({
  db,
  userId,
  method,
  ip,
  userAgent,
}: {
  db: Db;
  userId: string;
  method: "password" | "oidc";
  ip: string | null;
  userAgent: string | null;
}): Promise<UserSession> {
  const now = Date.now();
  await deleteDeadUserSessions({ db, before: new Date(now - DEAD_SESSIONS_KEPT_MS) });
  return insertUserSession({
    db,
    session: { userId, method, ip, userAgent: userAgent?.slice(0, 300) ?? null, expiresAt: new Date(now + SESSION_MAX_AGE_SECONDS * 1000) },
  });
}

/** True when the session exists, belongs to the user, is not revoked and has not expired. */
export async function isSessionActive({ db, sessionId, userId }: { db: Db; sessionId: string; userId: string }): Promise<boolean> {
  const session = await getUserSessionById({ db, id: sessionId });
  const now = new Date();
  if (!session || session.userId !== userId || session.revokedAt || session.expiresAt <= now) return false;
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) await touchUserSession({ db, id: sessionId, at: now });
  return true;
}

export function listSessions({ db, userId }: { db: Db; userId: string }): Promise<UserSession[]> {
  return listActiveUserSessions({ db, userId });
}

/** Sign out: this session ends on the server, whatever happens to the cookie. */
export async function endSession({ db, actor, userId, sessionId }: { db: Db; actor: Actor; userId: string; sessionId: string }): Promise<void> {
  await db.transaction(async (tx) => {
    await revokeUserSession({ db: tx, userId, id: sessionId });
    await insertAuditEvent({ tx, event: { ...byActor(actor), action: "auth.sign_out" } });
  });
}

/** Revokes one of the user's own sessions from the account page. */
export async function revokeSession({ db, actor, userId, sessionId }: { db: Db; actor: Actor; userId: string; sessionId: string }): Promise<void> {
  await db.transaction(async (tx) => {
    const revoked = await revokeUserSession({ db: tx, userId, id: sessionId });
    if (!revoked) throw new AppError("not-found", "That session has already ended.");
    await insertAuditEvent({
      tx,
      event: { ...byActor(actor), action: "auth.session_revoked", targetType: "user", targetId: userId, targetLabel: actor.label, details: { session: revoked.id.slice(0, 8) } },
    });
  });
}

/** "Sign out everywhere": every session of the user ends, this one included. Returns how many ended. */
export async function endAllSessions({ db, actor, userId, targetLabel }: { db: Db; actor: Actor; userId: string; targetLabel: string }): Promise<number> {
  return db.transaction(async (tx) => {
    const count = await revokeUserSessions({ db: tx, userId });
    await insertAuditEvent({
      tx,
      event: { ...byActor(actor), action: "auth.sessions_revoked", targetType: "user", targetId: userId, targetLabel, details: { sessions: count } },
    });
    return count;
  });
}
