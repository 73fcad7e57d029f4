/** Changing one's password and an admin's reset, against a real store: what a user relies on after setup. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, type TestStore } from "@/test/support/stores";
import { createLocalUser } from "./service";
import { changeOwnPassword, resetUserPassword } from "./passwords";
import { signInWithPassword } from "../auth/password-sign-in";
import { startSession, isSessionActive } from "../auth/sessions";
import { getUserById, insertUser } from "../db/queries/users";
import { listAuditEvents } from "../db/queries/audit";
import type { Actor } from "../app-context";

let store: TestStore;
beforeAll(async () => {
  store = await openTestStore("pglite");
});
afterAll(async () => store?.destroy());

const ADMIN: Actor = { id: "00000000-0000-4000-8000-000000000001", label: "admin@example.com", ip: "127.0.0.1" };
const OLD = "old password 0123456789";
const NEW = "new password 0123456789";

async function userWithSessions(email: string) {
  const user = await createLocalUser({ db: store.db, actor: ADMIN, email, name: "", role: "operator", password: OLD });
  const session = () => startSession({ db: store.db, userId: user.id, method: "password", ip: null, userAgent: null });
  return { user, here: await session(), elsewhere: await session() };
}

async function auditText(): Promise<string> {
  return JSON.stringify((await listAuditEvents({ db: store.db, filter: {}, limit: 200 })).events);
}

describe("change my password", () => {
  it("needs the current password, then signs out the other sessions and audits without the password", async () => {
    const { user, here, elsewhere } = await userWithSessions("changer@example.com");
    const me: Actor = { id: user.id, label: user.email, ip: "203.0.113.5" };

    await expect(
      changeOwnPassword({ db: store.db, actor: me, userId: user.id, sessionId: here.id, currentPassword: "not it at all 123", newPassword: NEW }),
    ).rejects.toMatchObject({ code: "auth:invalid-credentials", fieldErrors: { currentPassword: "The current password is wrong" } });
    expect(await isSessionActive({ db: store.db, sessionId: elsewhere.id, userId: user.id })).toBe(true);

    await expect(
      changeOwnPassword({ db: store.db, actor: me, userId: user.id, sessionId: here.id, currentPassword: OLD, newPassword: OLD }),
    ).rejects.toMatchObject({ fieldErrors: { newPassword: expect.stringMatching(/differs/) } });

    expect(await changeOwnPassword({ db: store.db, actor: me, userId: user.id, sessionId: here.id, currentPassword: OLD, newPassword: NEW })).toEqual({
      otherSessionsEnded: 1,
    });
    expect(await isSessionActive({ db: store.db, sessionId: here.id, userId: user.id })).toBe(true);
    expect(await isSessionActive({ db: store.db, sessionId: elsewhere.id, userId: user.id })).toBe(false);
    expect(await signInWithPassword({ db: store.db, email: user.email, password: OLD, ip: null })).toMatchObject({ ok: false });
    expect(await signInWithPassword({ db: store.db, email: user.email, password: NEW, ip: null })).toMatchObject({ ok: true });

    const audit = await auditText();
    expect(audit).toContain("user.password_changed");
    expect(audit).toContain("wrong current password");
    expect(audit).not.toContain(NEW);
    expect(audit).not.toContain(OLD);
  });

  it("counts a wrong current password against the account's sign-in throttle", async () => {
    const { user, here } = await userWithSessions("guesser@example.com");
    const me: Actor = { id: user.id, label: user.email, ip: null };
    const attempt = () => changeOwnPassword({ db: store.db, actor: me, userId: user.id, sessionId: here.id, currentPassword: "wrong guess 0123", newPassword: NEW });
    for (let i = 0; i < 5; i++) await expect(attempt()).rejects.toMatchObject({ code: "auth:invalid-credentials" });
    // The sixth comes within the backoff: refused without checking, even with the right password.
    await expect(
      changeOwnPassword({ db: store.db, actor: me, userId: user.id, sessionId: here.id, currentPassword: OLD, newPassword: NEW }),
    ).rejects.toMatchObject({ code: "auth:throttled" });
  });

  it("says a single-sign-on account has no password in Rotor", async () => {
    const sso = await insertUser({ db: store.db, user: { email: "sso@example.com", role: "viewer", authSource: "oidc", oidcIssuer: "https://idp", oidcSubject: "s1" } });
    await expect(
      changeOwnPassword({ db: store.db, actor: { id: sso.id, label: sso.email }, userId: sso.id, sessionId: "00000000-0000-4000-8000-000000000009", currentPassword: "x", newPassword: NEW }),
    ).rejects.toThrow(/single sign-on/);
    await expect(resetUserPassword({ db: store.db, actor: ADMIN, userId: sso.id })).rejects.toThrow(/single sign-on/);
  });
});

describe("an admin resets a password", () => {
  it("generates a temporary password, ends every session and forces a change at the next sign-in", async () => {
    const { user, here, elsewhere } = await userWithSessions("forgetful@example.com");
    const reset = await resetUserPassword({ db: store.db, actor: ADMIN, userId: user.id });
    expect(reset.generated).toBe(true);
    expect(reset.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    for (const s of [here, elsewhere]) expect(await isSessionActive({ db: store.db, sessionId: s.id, userId: user.id })).toBe(false);
    expect((await getUserById({ db: store.db, id: user.id }))?.mustChangePassword).toBe(true);
    expect(await signInWithPassword({ db: store.db, email: user.email, password: OLD, ip: null })).toMatchObject({ ok: false });
    const signedIn = await signInWithPassword({ db: store.db, email: user.email, password: reset.password, ip: null });
    expect(signedIn).toMatchObject({ ok: true, user: { mustChangePassword: true } });

    const session = await startSession({ db: store.db, userId: user.id, method: "password", ip: null, userAgent: null });
    await changeOwnPassword({ db: store.db, actor: { id: user.id, label: user.email }, userId: user.id, sessionId: session.id, currentPassword: reset.password, newPassword: NEW });
    expect((await getUserById({ db: store.db, id: user.id }))?.mustChangePassword).toBe(false);

    const audit = await auditText();
    expect(audit).toContain("user.password_reset");
    expect(audit).toContain('"afterReset":true');
    expect(audit).not.toContain(reset.password);
  });

  it("takes a password the admin typed, and refuses the admin's own account", async () => {
    const { user } = await userWithSessions("typed@example.com");
    const typed = "typed by admin 0123456";
    expect(await resetUserPassword({ db: store.db, actor: ADMIN, userId: user.id, password: typed })).toMatchObject({ generated: false, password: typed });
    expect(await signInWithPassword({ db: store.db, email: user.email, password: typed, ip: null })).toMatchObject({ ok: true });
    await expect(resetUserPassword({ db: store.db, actor: { id: user.id, label: user.email }, userId: user.id })).rejects.toThrow(/Change my password/);
  });
});
