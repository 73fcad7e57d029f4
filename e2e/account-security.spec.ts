/** Account security as a user meets it: changing one's password, an admin's reset, a second factor. */
import { test, expect, DEFAULT_PASSWORD } from "./fixtures";
import { AccountPage, ChangePasswordPage } from "./pages/account-page";
import { LoginPage } from "./pages/login-page";
import { SettingsPage } from "./pages/settings-page";
import { Dashboard } from "./pages/dashboard";
import { recordAction, replayAction } from "./support/server-actions";
import { generate } from "otplib";

const NEW_PASSWORD = "e2e-new-password-9876543210";

// Each test walks several browsers through several sign-ins (scrypt each time): more than the default 45 s on a busy machine.
test.describe.configure({ timeout: 120_000 });

test("a user changes their password: the current one is required, other sessions end, the new one signs in", async ({ createUser, signInAs }) => {
  const user = await createUser("viewer");
  const page = await signInAs(user);
  const other = await signInAs(user);

  const account = new AccountPage(page);
  await account.goto();
  await account.changePassword("not-the-password-000", NEW_PASSWORD);
  await expect(account.changePasswordForm.getByRole("alert")).toHaveText("The current password is wrong.");
  await expect(account.changePasswordForm.getByText("The current password is wrong", { exact: true })).toBeVisible();

  await account.changePassword(DEFAULT_PASSWORD, NEW_PASSWORD, "does-not-match-00000");
  await expect(account.changePasswordForm.getByText("The passwords do not match")).toBeVisible();

  await account.changePassword(DEFAULT_PASSWORD, NEW_PASSWORD);
  await expect(account.changePasswordForm.getByRole("status")).toHaveText("Password changed. 1 other session was signed out.");

  // This session goes on; the other one is over.
  await page.goto("/history");
  await new Dashboard(page).expectSignedInAs(user.email);
  await other.goto("/history");
  await new LoginPage(other).expectOnPage();

  const fresh = new LoginPage(await (await page.context().browser()!.newContext()).newPage());
  await fresh.goto();
  const refused = await fresh.signInAndWaitForAnswer(user.email, DEFAULT_PASSWORD);
  expect(refused).toContain("Wrong email or password");
  await fresh.signIn(user.email, NEW_PASSWORD);
  await new Dashboard(fresh.page).expectSignedInAs(user.email);
  await fresh.page.context().close();
});

test("an admin resets a password: the user must change it before reaching any page, and the server holds them to it", async ({
  createUser,
  signInAs,
  adminPage,
  newContext,
}) => {
  const user = await createUser("operator");
  const before = await signInAs(user);
  const second = await signInAs(user);
  // An action this user may run, recorded to be replayed once their password is reset.
  const account = new AccountPage(before);
  await account.goto();
  const revoke = await recordAction(before, () => account.signOutOtherSession(account.otherSessions.first()));
  await second.context().close();

  const settings = new SettingsPage(adminPage);
  await settings.goto();
  const temporary = await settings.resetPassword(user.email);
  expect(temporary).toMatch(/^[A-Za-z0-9_-]{16}$/);
  // Shown once: a reload of Settings does not carry it.
  await adminPage.reload();
  expect(await adminPage.content()).not.toContain(temporary);

  // Their sessions ended.
  await before.goto("/history");
  await new LoginPage(before).expectOnPage();

  const page = await (await newContext()).newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(user.email, temporary);
  const change = new ChangePasswordPage(page);
  await change.expectOnPage();

  // Every page sends them back; an action or a route called directly is refused on the server.
  await page.goto("/environments");
  await change.expectOnPage();
  expect(await replayAction(page.context(), revoke)).toContain("choose a new one first");
  const api = await page.request.get("/api/runs/00000000-0000-4000-8000-000000000000");
  expect(api.status()).toBe(403);
  expect(await api.text()).toContain("choose a new one first");

  await change.change(temporary, NEW_PASSWORD);
  await new Dashboard(page).expectSignedInAs(user.email);
  await page.goto("/environments");
  await expect(page).toHaveURL(/\/environments$/);
});

test("two-factor sign-in: enrol with a code, then sign in with a code or a recovery code; wrong and used codes are refused", async ({
  createUser,
  signInAs,
  newContext,
}) => {
  const user = await createUser("viewer");
  const page = await signInAs(user);
  const account = new AccountPage(page);
  await account.goto();
  let enrolStep = 0;
  const { secret, recoveryCodes } = await account.enableTwoFactor((s) => {
    const epoch = Math.floor(Date.now() / 1000);
    enrolStep = Math.floor(epoch / 30);
    return generate({ secret: s, epoch });
  });
  expect(recoveryCodes).toHaveLength(10);

  // Shown once: the page after a reload carries neither the secret nor the codes.
  await page.reload();
  await expect(page.getByTestId("two-factor")).toContainText("Two-factor sign-in is on. 10 of 10 recovery codes left.");
  const html = await page.content();
  expect(html).not.toContain(secret);
  for (const code of recoveryCodes) expect(html).not.toContain(code);

  const signInUpToCode = async () => {
    const login = new LoginPage(await (await newContext()).newPage());
    await login.goto();
    await login.signIn(user.email, DEFAULT_PASSWORD);
    await expect(login.codeForm).toBeVisible();
    return login;
  };

  // The password alone is not enough; a wrong code is refused.
  const login = await signInUpToCode();
  await login.submitCode("000000");
  await expect(login.codeForm.getByRole("alert")).toContainText("That code is not right");
  await login.page.goto("/history");
  await login.expectOnPage();
  // A code after the enrolment's (a code is accepted once) signs in.
  const again = await signInUpToCode();
  const step = Math.max(Math.floor(Date.now() / 30_000), enrolStep + 1);
  await again.submitCode(await generate({ secret, epoch: step * 30 }));
  await new Dashboard(again.page).expectSignedInAs(user.email);

  // A recovery code signs in once.
  const withRecovery = await signInUpToCode();
  await withRecovery.submitCode(recoveryCodes[0]);
  await new Dashboard(withRecovery.page).expectSignedInAs(user.email);
  const reused = await signInUpToCode();
  await reused.submitCode(recoveryCodes[0]);
  await expect(reused.codeForm.getByRole("alert")).toContainText("That code is not right, or it was already used");

  await account.goto();
  await expect(page.getByTestId("two-factor")).toContainText("9 of 10 recovery codes left.");
});
