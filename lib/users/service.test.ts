/** Setup and user administration against a real store: the rules a fresh install and its admins depend on. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, type TestStore } from "@/test/support/stores";
import { checkSetupToken, completeSetup, issueSetupTokenIfNeeded } from "./setup";
import { changeUserRole, createLocalUser, setUserDisabled } from "./service";
import { signInWithPassword } from "../auth/password-sign-in";
import { getUserById } from "../db/queries/users";
import { listAuditEvents, verifyAuditChain } from "../db/queries/audit";
import { putSetting } from "../db/queries/keys";

let store: TestStore;
beforeAll(async () => {
  store = await openTestStore("pglite");
});
afterAll(async () => store?.destroy());

const tokenOf = (url: string) => new URL(url).searchParams.get("token")!;

describe("first-run setup", () => {
  it("refuses without a token, with a wrong or expired token, and creates the admin with the right one", async () => {
    const db = store.db;
    const url = await issueSetupTokenIfNeeded({ db });
    expect(url).toMatch(/\/setup\?token=/);
    const token = tokenOf(url!);
    expect(await checkSetupToken({ db, token: undefined })).toBe("missing");
    expect(await checkSetupToken({ db, token: "wrong" })).toBe("invalid");
    await expect(completeSetup({ db, token: "wrong", email: "a@example.com", name: "", password: "long enough password" })).rejects.toThrow(/not valid/);

    const expiredUrl = await issueSetupTokenIfNeeded({ db });
    await putSetting({ db, key: "setup_token", value: { hash: (await import("node:crypto")).createHash("sha256").update(tokenOf(expiredUrl!)).digest("hex"), expiresAt: new Date(Date.now() - 1000).toISOString() } });
    expect(await checkSetupToken({ db, token: tokenOf(expiredUrl!) })).toBe("expired");
    // The first token was replaced by the newer one: old links stop working.
    expect(await checkSetupToken({ db, token })).toBe("invalid");

    const fresh = tokenOf((await issueSetupTokenIfNeeded({ db }))!);
    const admin = await completeSetup({ db, token: fresh, email: "admin@example.com", name: "Admin", password: "correct horse battery" });
    expect(admin.role).toBe("admin");
    expect(admin.passwordHash).toMatch(/^scrypt\$/);
    expect(await checkSetupToken({ db, token: fresh })).toBe("done");
    await expect(completeSetup({ db, token: fresh, email: "b@example.com", name: "", password: "correct horse battery" })).rejects.toThrow(/already set up/);
    expect(await issueSetupTokenIfNeeded({ db })).toBeNull();
  });
});

describe("users", () => {
  it("signs in with the right password only, and audits both", async () => {
    const db = store.db;
    expect(await signInWithPassword({ db, email: "ADMIN@example.com", password: "correct horse battery", ip: "127.0.0.1" })).toMatchObject({ ok: true, user: { email: "admin@example.com" } });
    expect(await signInWithPassword({ db, email: "admin@example.com", password: "wrong", ip: null })).toEqual({ ok: false, reason: "invalid" });
    expect(await signInWithPassword({ db, email: "nobody@example.com", password: "wrong", ip: null })).toEqual({ ok: false, reason: "invalid" });
    const events = (await listAuditEvents({ db, filter: { action: "auth.sign_in" }, limit: 10 })).events;
    expect(events.map((e) => e.outcome)).toEqual(["failure", "failure", "success"]);
    expect(JSON.stringify(events)).not.toContain("correct horse battery");
  });

  it("keeps one active admin, invalidates sessions on disable and role change, and audits each change", async () => {
    const db = store.db;
    const signedIn = await signInWithPassword({ db, email: "admin@example.com", password: "correct horse battery", ip: null });
    if (!signedIn.ok) throw new Error("the admin could not sign in");
    const admin = signedIn.user;
    const actor = { id: admin.id, label: admin.email };
    await expect(changeUserRole({ db, actor, userId: admin.id, role: "viewer" })).rejects.toThrow(/at least one active admin/);
    await expect(setUserDisabled({ db, actor, userId: admin.id, disabled: true })).rejects.toThrow(/your own account/);
    await expect(createLocalUser({ db, actor, email: "Admin@Example.com", name: "", role: "viewer", password: "another long password" })).rejects.toThrow(/already exists/);

    const viewer = await createLocalUser({ db, actor, email: "viewer@example.com", name: "V", role: "viewer", password: "another long password" });
    const signedInAt = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    await setUserDisabled({ db, actor, userId: viewer.id, disabled: true });
    const disabled = (await getUserById({ db, id: viewer.id }))!;
    expect(disabled.disabledAt).not.toBeNull();
    expect(disabled.sessionsValidAfter.getTime()).toBeGreaterThan(signedInAt);
    expect(await signInWithPassword({ db, email: "viewer@example.com", password: "another long password", ip: null })).toEqual({ ok: false, reason: "invalid" });
    await setUserDisabled({ db, actor, userId: viewer.id, disabled: false });
    await changeUserRole({ db, actor, userId: viewer.id, role: "operator" });
    const actions = (await listAuditEvents({ db, filter: { target: "viewer@example.com" }, limit: 10 })).events.map((e) => e.action);
    expect(actions).toEqual(["user.role_changed", "user.enabled", "user.disabled", "user.created"]);
    expect(await verifyAuditChain({ db })).toMatchObject({ ok: true });
  });
});
