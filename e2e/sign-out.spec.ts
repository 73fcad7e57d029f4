/**
 * Signing out ends the session on the server: a copy of the cookie taken before signing
 * out does not work afterwards, and "Sign out everywhere" ends the account's other sessions too.
 */
import { test, expect } from "./fixtures";
import { LoginPage } from "./pages/login-page";
import { Dashboard } from "./pages/dashboard";
import { AccountPage } from "./pages/account-page";

test("after signing out, a copy of the old session cookie no longer works", async ({ createUser, signInAs, newContext }) => {
  const user = await createUser("operator");
  const page = await signInAs(user);
  const saved = await page.context().cookies();
  expect(saved.some((c) => c.name.endsWith("authjs.session-token")), "a session cookie after sign-in").toBe(true);

  await new Dashboard(page).signOut();

  // Someone who copied the cookie (another browser, a stolen backup) replays it.
  const replay = await (await newContext()).newPage();
  await replay.context().addCookies(saved);
  await replay.goto("/audit");
  const login = new LoginPage(replay);
  await login.expectOnPage();
  await expect(replay).toHaveURL(/reason=session/);
});

test("Sign out everywhere ends every session of the account", async ({ createUser, signInAs }) => {
  const user = await createUser("viewer");
  const laptop = await signInAs(user);
  const phone = await signInAs(user);

  const account = new AccountPage(phone);
  await account.goto();
  await expect(account.currentSession).toHaveCount(1);
  await expect(account.otherSessions).toHaveCount(1);
  await account.signOutEverywhere();

  await laptop.goto("/history");
  await new LoginPage(laptop).expectOnPage();
  await expect(laptop).toHaveURL(/reason=session/);
  await phone.goto("/history");
  await new LoginPage(phone).expectOnPage();
});

test("the account page lists the active sessions and signs out one of them", async ({ createUser, signInAs }) => {
  const user = await createUser("viewer");
  const laptop = await signInAs(user);
  const phone = await signInAs(user);

  const account = new AccountPage(laptop);
  await account.goto();
  await expect(account.otherSessions).toHaveCount(1);
  await expect(account.currentSession).toContainText("this session");
  await expect(account.currentSession).toContainText("127.0.0.1");
  await account.signOutOtherSession(account.otherSessions.first());
  await expect(account.otherSessions).toHaveCount(0);

  await phone.goto("/history");
  await new LoginPage(phone).expectOnPage();
  // The laptop is still signed in.
  await laptop.goto("/history");
  await new Dashboard(laptop).expectSignedInAs(user.email);
});
