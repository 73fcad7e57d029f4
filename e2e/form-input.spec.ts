/**
 * What a user typed meets the server: hostile and mistaken input gets a clear message naming the field, and
 * the form keeps what was typed.
 * - a NUL character in a free-text field, a body over 1 MB: a message on the form, never the error page;
 * - a host that can never work (host:port, a URL) is refused at save time, with the form's words;
 * - errors name fields as the form labels them; setup, sign-in, environment and rotator forms keep the input.
 */
import { test, expect } from "./fixtures";
import { EnvironmentPage } from "./pages/environment-page";
import { RotatorPage } from "./pages/rotator-page";
import { LoginPage } from "./pages/login-page";

const suffix = Date.now().toString(36);

test("a NUL character in a field gets a message naming that field, and the form keeps what was typed", async ({ adminPage }) => {
  const env = new EnvironmentPage(adminPage);
  await env.submitCreate(`nul-${suffix}`, "a description with a \u0000 NUL");
  await expect(env.createForm.getByRole("alert")).toHaveText("Please correct the highlighted fields.");
  await expect(env.createForm.getByText("Must not contain NUL characters")).toBeVisible();
  await expect(env.createForm.getByLabel("Description")).toHaveAttribute("aria-invalid", "true");
  await expect(env.createForm.getByLabel("Name")).toHaveValue(`nul-${suffix}`);
  await expect(adminPage.getByRole("heading", { name: "Something went wrong" })).toHaveCount(0);
});

test("a form over 1 MB is answered with a clear message on the form, not the error page", async ({ adminPage }) => {
  const env = new EnvironmentPage(adminPage);
  await env.create(`big-${suffix}`);
  const form = adminPage.getByRole("form", { name: "Set value" });
  await form.getByLabel("Key").fill("huge");
  await form.getByLabel("Value").fill("x".repeat(1_200_000));
  await form.getByRole("button", { name: "Set value" }).click();
  await expect(form.getByRole("alert")).toContainText("larger than 1024 KB, the most Rotor accepts");
  await expect(adminPage.getByRole("heading", { name: "Something went wrong" })).toHaveCount(0);
  await expect(form.getByLabel("Key")).toHaveValue("huge");
});

test("an environment name already in use is refused and stays in the form", async ({ adminPage }) => {
  const env = new EnvironmentPage(adminPage);
  const name = `twice-${suffix}`;
  await env.create(name);
  await env.submitCreate(name, "second try");
  await expect(env.createForm.getByRole("alert")).toHaveText(`An environment named ${name} already exists.`);
  await expect(env.createForm.getByLabel("Name")).toHaveValue(name);
  await expect(env.createForm.getByLabel("Description")).toHaveValue("second try");
});

test("a wrong password keeps the email in the sign-in form", async ({ newContext, createUser }) => {
  const user = await createUser("viewer");
  const page = await (await newContext()).newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(user.email, "not-the-password-at-all");
  await expect(login.error).toHaveText("Wrong email or password, or the account is disabled.");
  await expect(login.email).toHaveValue(user.email);
  await expect(login.password).toHaveValue("");
});

test("the rotator form refuses hosts that can never work and names fields by their labels", async ({ adminPage }) => {
  const env = new EnvironmentPage(adminPage);
  await env.create(`hosts-${suffix}`);
  await env.addRotator("postgres");
  const rotator = new RotatorPage(adminPage);
  await rotator.fillSql({ name: "pg_hosts", host: "db.internal:5432", port: 5432, tls: "disable", managingUser: "rotor", managingPassword: "", user1: "app_a", user2: "app_b" });
  const host = rotator.form.getByLabel("Host", { exact: true });
  // As the user types (the form validates with the type's schema) ...
  await expect(rotator.form.getByText("Host must not include a port: put 5432 in Port")).toBeVisible();
  await expect(rotator.form.getByText("Managing password is required")).toBeVisible();
  await expect(host).toHaveAttribute("aria-invalid", "true");
  // ... and the server refuses it with the same words, keeping everything typed.
  await rotator.form.getByRole("button", { name: "Create rotator" }).click();
  await expect(rotator.form.getByRole("alert")).toHaveText(/^Host must not include a port: put 5432 in Port/);
  await expect(host).toHaveValue("db.internal:5432");
  await expect(rotator.form.getByLabel("User 2", { exact: true })).toHaveValue("app_b");

  for (const [typed, message] of [
    ["postgres://db.internal/app", "Host must be a host name, not a URL"],
    ["[::1", "Host is not a valid IPv6 address"],
    ["db; reboot", "Host must be a host name (letters, digits, - and _ between dots"],
  ]) {
    await host.fill(typed);
    await expect(rotator.form.getByText(message)).toBeVisible();
  }
  await host.fill("db.internal");
  await expect(host).not.toHaveAttribute("aria-invalid", "true");
});
