/** A session is only as good as the server says: disabling a user or tampering with the cookie ends it. */
import { test, expect } from "./fixtures";
import { LoginPage } from "./pages/login-page";
import { SettingsPage } from "./pages/settings-page";

const SESSION_NOTICE = "Your session is no longer valid";

test("a user disabled by an admin is signed out at their next request", async ({ createUser, signInAs, adminPage }) => {
  const user = await createUser("operator");
  const userPage = await signInAs(user);

  const settings = new SettingsPage(adminPage);
  await settings.goto();
  await settings.disableUser(user.email);
  await settings.expectUser(user.email, { status: "disabled" });

  await userPage.goto("/history");
  const login = new LoginPage(userPage);
  await login.expectOnPage();
  await expect(userPage).toHaveURL(/reason=session/);
  await expect(login.notice).toContainText(SESSION_NOTICE);

  // And cannot sign in again.
  await login.signIn(user.email, user.password);
  await expect(login.error).toHaveText("Wrong email or password, or the account is disabled.");
});

test("a tampered session cookie sends the user to sign in with a notice", async ({ createUser, signInAs }) => {
  const user = await createUser("viewer");
  const page = await signInAs(user);
  const context = page.context();
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name.endsWith("authjs.session-token"));
  expect(session, "a session cookie after sign-in").toBeTruthy();

  // Flip one character in the middle of the encrypted token.
  const value = session!.value;
  const i = Math.floor(value.length / 2);
  const tampered = value.slice(0, i) + (value[i] === "A" ? "B" : "A") + value.slice(i + 1);
  await context.addCookies([{ ...session!, value: tampered }]);

  await page.goto("/audit");
  const login = new LoginPage(page);
  await login.expectOnPage();
  await expect(page).toHaveURL(/reason=session/);
  await expect(login.notice).toContainText(SESSION_NOTICE);
});
