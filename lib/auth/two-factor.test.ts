/** Two-factor sign-in against a real store: enrolment, sign-in with a code or a recovery code, replay, throttling, turning it off. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "otplib";
import { openTestApp, type TestApp } from "@/test/support/app-context";
import { createLocalUser } from "../users/service";
import { confirmTotpEnrolment, disableTotp, startTotpEnrolment } from "./two-factor";
import { signInWithPassword, signInWithSecondFactor } from "./password-sign-in";
import { getUserById, insertUser } from "../db/queries/users";
import { listAuditEvents } from "../db/queries/audit";
import type { Actor } from "../app-context";

let app: TestApp;
beforeAll(async () => {
  app = await openTestApp("pglite");
});
afterAll(async () => app?.destroy());

const PASSWORD = "two factor password 0123";
const T0 = new Date("2031-03-04T05:06:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const codeAt = (secret: string, when: Date) => generate({ secret, epoch: Math.floor(when.getTime() / 1000) });

async function enrolledUser(email: string) {
  const user = await createLocalUser({ db: app.db, actor: { id: null, label: "admin" }, email, name: "", role: "viewer", password: PASSWORD });
  const me: Actor = { id: user.id, label: user.email, ip: null };
  const { secret, uri } = await startTotpEnrolment({ db: app.db, keyring: app.keyring, userId: user.id });
  return { user, me, secret, uri };
}

describe("two-factor sign-in", () => {
  it("enrols with a code, shows the secret and recovery codes once, and keeps neither in the clear", async () => {
    const { user, me, secret, uri } = await enrolledUser("enrol@example.com");
    expect(uri).toMatch(/^otpauth:\/\/totp\/Rotor:enrol%40example\.com\?.*secret=/);
    // Not in force until a code confirms it.
    expect(await signInWithPassword({ db: app.db, keyring: app.keyring, email: user.email, password: PASSWORD, ip: null })).toMatchObject({ ok: true });
    await expect(confirmTotpEnrolment({ db: app.db, keyring: app.keyring, actor: me, userId: user.id, code: "000000", now: T0 })).rejects.toMatchObject({
      fieldErrors: { code: "That code is not right" },
    });
    const { recoveryCodes } = await confirmTotpEnrolment({ db: app.db, keyring: app.keyring, actor: me, userId: user.id, code: await codeAt(secret, T0), now: T0 });
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    const stored = JSON.stringify(await getUserById({ db: app.db, id: user.id }));
    expect(stored).not.toContain(secret);
    for (const code of recoveryCodes) expect(stored).not.toContain(code);
    const audit = JSON.stringify((await listAuditEvents({ db: app.db, filter: {}, limit: 100 })).events);
    expect(audit).toContain("auth.totp_enabled");
    expect(audit).not.toContain(secret);
    for (const code of recoveryCodes) expect(audit).not.toContain(code);
  });

  it("asks for the code after the password, accepts each code once, and each recovery code once", async () => {
    const { user, me, secret } = await enrolledUser("signin@example.com");
    const { recoveryCodes } = await confirmTotpEnrolment({ db: app.db, keyring: app.keyring, actor: me, userId: user.id, code: await codeAt(secret, T0), now: T0 });

    const first = await signInWithPassword({ db: app.db, keyring: app.keyring, email: user.email, password: PASSWORD, ip: null });
    expect(first).toMatchObject({ ok: false, reason: "second-factor" });
    const second = (code: string, now: Date) => signInWithSecondFactor({ db: app.db, keyring: app.keyring, userId: user.id, code, ip: null, now });

    expect(await second("123456", at(30))).toEqual({ ok: false, reason: "wrong-code" });
    const next = await codeAt(secret, at(30));
    expect(await second(next, at(30))).toMatchObject({ ok: true, user: { id: user.id } });
    // The same code again (someone watching): refused; so is the code the enrolment used.
    expect(await second(next, at(31))).toEqual({ ok: false, reason: "wrong-code" });
    expect(await second(await codeAt(secret, T0), at(31))).toEqual({ ok: false, reason: "wrong-code" });

    expect(await second(recoveryCodes[3].toLowerCase(), at(40))).toMatchObject({ ok: true });
    expect(await second(recoveryCodes[3], at(41))).toEqual({ ok: false, reason: "wrong-code" });
    expect((await getUserById({ db: app.db, id: user.id }))?.totpRecoveryCodeHashes).toHaveLength(9);

    // The REST API's one call: password and code together.
    expect(await signInWithPassword({ db: app.db, keyring: app.keyring, email: user.email, password: PASSWORD, otp: await codeAt(secret, at(60)), ip: null, now: at(60) })).toMatchObject({
      ok: true,
    });
  });

  it("throttles wrong codes like wrong passwords, even for someone who knows the password", async () => {
    const { user, me, secret } = await enrolledUser("guess@example.com");
    await confirmTotpEnrolment({ db: app.db, keyring: app.keyring, actor: me, userId: user.id, code: await codeAt(secret, T0), now: T0 });
    const now = new Date();
    for (let i = 0; i < 5; i++) {
      // A right password in between does not reset the count.
      expect(await signInWithPassword({ db: app.db, keyring: app.keyring, email: user.email, password: PASSWORD, ip: null, now })).toMatchObject({ reason: "second-factor" });
      expect(await signInWithSecondFactor({ db: app.db, keyring: app.keyring, userId: user.id, code: "000000", ip: null, now })).toEqual({ ok: false, reason: "wrong-code" });
    }
    expect(await signInWithSecondFactor({ db: app.db, keyring: app.keyring, userId: user.id, code: await codeAt(secret, now), ip: null, now })).toMatchObject({
      ok: false,
      reason: "throttled",
    });
  });

  it("turns off only with a current code or a recovery code", async () => {
    const { user, me, secret } = await enrolledUser("off@example.com");
    const { recoveryCodes } = await confirmTotpEnrolment({ db: app.db, keyring: app.keyring, actor: me, userId: user.id, code: await codeAt(secret, T0), now: T0 });
    await expect(disableTotp({ db: app.db, keyring: app.keyring, actor: me, userId: user.id, code: "999999" })).rejects.toMatchObject({ fieldErrors: { code: expect.any(String) } });
    await disableTotp({ db: app.db, keyring: app.keyring, actor: me, userId: user.id, code: recoveryCodes[0] });
    const after = await getUserById({ db: app.db, id: user.id });
    expect(after).toMatchObject({ totpEnabledAt: null, totpSecretCiphertext: null, totpRecoveryCodeHashes: [] });
    expect(await signInWithPassword({ db: app.db, keyring: app.keyring, email: user.email, password: PASSWORD, ip: null })).toMatchObject({ ok: true });
  });

  it("says single-sign-on accounts have no second factor in Rotor", async () => {
    const sso = await insertUser({ db: app.db, user: { email: "sso2@example.com", role: "viewer", authSource: "oidc", oidcIssuer: "https://idp", oidcSubject: "s2" } });
    await expect(startTotpEnrolment({ db: app.db, keyring: app.keyring, userId: sso.id })).rejects.toThrow(/single sign-on/);
  });
});
