/**
 * Single sign-on against a real OpenID Connect provider (e2e/support/oidc-provider.ts). Rotor runs with
 * ROTOR_OIDC_ROLE_CLAIM=groups and ROTOR_OIDC_ROLE_MAP=rotor-admins=admin,rotor-operators=operator.
 */
import { test, expect } from "./fixtures";
import { OIDC_ACCOUNTS } from "./support/accounts";
import { Dashboard } from "./pages/dashboard";
import { LoginPage } from "./pages/login-page";
import { SettingsPage } from "./pages/settings-page";

test("a user in the mapped group signs in as admin and is created as an SSO user", async ({ signInWithSso, adminPage }) => {
  const { alice } = OIDC_ACCOUNTS;
  const page = await signInWithSso(alice.login);
  await expect(page).toHaveURL("/");
  await new Dashboard(page).expectSignedInAs(alice.email, "admin");

  // The admin page itself is reachable with the mapped role.
  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();

  const settings = new SettingsPage(adminPage);
  await settings.goto();
  await settings.expectUser(alice.email, { role: "admin", signIn: "single sign-on", status: "active" });
  await expect(settings.row(alice.email)).toContainText(alice.name);
});

test("a second mapped group gives its role", async ({ signInWithSso }) => {
  const { carol } = OIDC_ACCOUNTS;
  const page = await signInWithSso(carol.login);
  await new Dashboard(page).expectSignedInAs(carol.email, "operator");
});

test("a user in no mapped group gets the default role (viewer)", async ({ signInWithSso }) => {
  const { bob } = OIDC_ACCOUNTS;
  const page = await signInWithSso(bob.login);
  await expect(page).toHaveURL("/");
  await new Dashboard(page).expectSignedInAs(bob.email, "viewer");
});

test("an SSO identity cannot take over a local account with the same email", async ({ signInWithSso }) => {
  const page = await signInWithSso(OIDC_ACCOUNTS.mallory.login);
  await new LoginPage(page).expectOnPage();
  await expect(page).toHaveURL(/error=AccessDenied/);
  await expect(page.getByRole("status")).toContainText("Single sign-on was refused");
});
