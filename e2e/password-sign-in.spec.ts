/** Email + password sign-in for local users. */
import { test, expect } from "./fixtures";
import { LoginPage } from "./pages/login-page";
import { Dashboard } from "./pages/dashboard";

test("a wrong password is refused with a message that does not say which part was wrong", async ({ page, createUser }) => {
  const user = await createUser("operator");
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(user.email, `${user.password}-wrong`);
  await expect(login.error).toHaveText("Wrong email or password, or the account is disabled.");
  await login.expectOnPage();

  // An unknown email gets exactly the same answer.
  await login.signIn(`nobody-${Date.now()}@rotor.test`, user.password);
  await expect(login.error).toHaveText("Wrong email or password, or the account is disabled.");
});

test("the right password signs in; signing out ends the session", async ({ page, createUser }) => {
  const user = await createUser("operator");
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(user.email, user.password);
  const dashboard = new Dashboard(page);
  await expect(page).toHaveURL("/");
  await dashboard.expectSignedInAs(user.email, "operator");

  await dashboard.signOut();
  await page.goto("/audit");
  await login.expectOnPage();
});

test("a signed-out visitor is sent to the sign-in page", async ({ page }) => {
  await page.goto("/settings");
  await new LoginPage(page).expectOnPage();
  await expect(page.getByRole("status")).toHaveCount(0);
});
