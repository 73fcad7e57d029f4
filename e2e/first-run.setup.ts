/**
 * First run: the setup page is guarded by the one-time token Rotor printed to its log, creates the first
 * admin, and is gone afterwards. Runs before every other spec (project "first-run") and saves the admin's
 * signed-in state for them.
 */
import { test, expect } from "./fixtures";
import { FIRST_ADMIN } from "./support/accounts";
import { SetupPage } from "./pages/setup-page";
import { LoginPage } from "./pages/login-page";
import { Dashboard } from "./pages/dashboard";

test.describe.configure({ mode: "serial" });

test("setup without a token is refused and says where the link is", async ({ page }) => {
  const setup = new SetupPage(page);
  await setup.goto("/setup");
  await setup.expectRefused("Open the setup link that Rotor printed in its log");
});

test("setup with a wrong token is refused", async ({ page, harness }) => {
  const setup = new SetupPage(page);
  const wrong = new URL(harness.setupUrl);
  wrong.searchParams.set("token", `${wrong.searchParams.get("token")}x`);
  await setup.goto(wrong.toString());
  await setup.expectRefused("This setup link is not valid");
});

test("nobody can sign in before setup", async ({ page }) => {
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(FIRST_ADMIN.email, FIRST_ADMIN.password);
  await expect(login.error).toHaveText("Wrong email or password, or the account is disabled.");
});

test("the printed setup link creates the first admin, then /setup is gone", async ({ page, harness }) => {
  const setup = new SetupPage(page);
  await setup.goto(harness.setupUrl);
  await expect(page.getByRole("heading", { name: "Set up Rotor" })).toBeVisible();

  // Server-side validation first: a mismatched confirmation keeps the token usable.
  await setup.createAdmin({ ...FIRST_ADMIN, confirm: `${FIRST_ADMIN.password}!` });
  await expect(setup.error).toHaveText("Please correct the highlighted fields.");
  await expect(setup.form.getByText("The passwords do not match")).toBeVisible();
  // The form keeps the email and name (not the passwords) after the server refused it.
  await expect(setup.form.getByLabel("Email")).toHaveValue(FIRST_ADMIN.email);
  await expect(setup.form.getByLabel("Name")).toHaveValue(FIRST_ADMIN.name);
  await expect(setup.form.getByLabel("Password", { exact: true })).toHaveValue("");

  await setup.createAdmin(FIRST_ADMIN);
  const login = new LoginPage(page);
  await login.expectOnPage();

  // The token was used up: with or without it, the page says so and leads to sign-in (no form).
  for (const url of [harness.setupUrl, "/setup"]) {
    await page.goto(url);
    await expect(page.getByRole("status")).toHaveText("Rotor is already set up — sign in.");
    await expect(setup.form).toHaveCount(0);
  }

  await login.goto();
  await login.signIn(FIRST_ADMIN.email, FIRST_ADMIN.password);
  await new Dashboard(page).expectSignedInAs(FIRST_ADMIN.email, "admin");
  await page.context().storageState({ path: harness.adminStatePath });
});
