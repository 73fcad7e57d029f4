/**
 * The environment page's exported variables and consumers, and the warning before a rotation that would
 * retire a credential a consumer still uses: an operator edits the variables (an unknown rotator is shown by
 * its field, nothing saved), an application opens the environment with a token and is listed as a consumer,
 * and after one more rotation the rotator page and the Rotate now confirmation name it as behind.
 */
import { test, expect } from "./fixtures";
import { EnvironmentPage } from "./pages/environment-page";
import { EnvironmentExports } from "./pages/environment-exports";
import { RotatorPage } from "./pages/rotator-page";
import { ApiTokensPage } from "./pages/api-tokens-page";
import { recordAction, replayAction } from "./support/server-actions";

const suffix = Date.now().toString(36);

test("exported variables are validated by their field, consumers are listed, and Rotate now names a consumer behind", async ({ adminPage, request }) => {
  const environment = `exports-${suffix}`;
  const env = new EnvironmentPage(adminPage);
  await env.create(environment);
  const environmentUrl = adminPage.url();
  await env.addRotator("password");
  const rotator = new RotatorPage(adminPage);
  await rotator.form.getByLabel("Name", { exact: true }).fill("app-db");
  await rotator.create();
  const rotatorUrl = adminPage.url();

  // An unknown rotator: the error is by the value field of that variable, and nothing is saved.
  await adminPage.goto(environmentUrl);
  const exports = new EnvironmentExports(adminPage);
  await exports.fill(0, "DB_PASSWORD", "${app-dbx.current.password}");
  await exports.fill(1, "REGION_URL", "https://example.com");
  await exports.save();
  await expect(await exports.errorOf(exports.valueField(0))).toHaveText("DB_PASSWORD: there is no rotator app-dbx.");
  await expect(exports.valueField(1)).not.toHaveAttribute("aria-invalid", "true");
  await adminPage.reload();
  await expect(adminPage.getByText("No exported variables.")).toBeVisible();

  // Fixed: saved as a new revision; it cannot resolve until the rotator has a credential.
  await exports.fill(0, "DB_PASSWORD", "${app-db.current.password}");
  await exports.save();
  await expect(exports.editor.getByRole("status")).toHaveText(/^Saved as revision \d+\.$/);
  await expect(exports.variableRow("DB_PASSWORD")).toContainText("password of app-db's current credential (password)");
  await expect(exports.variableRow("DB_PASSWORD")).toContainText("app-db has no current credential yet");

  // Two rotations: app-db has a current and a previous credential.
  await adminPage.goto(rotatorUrl);
  await rotator.rotateNow();
  await rotator.rotateNow();

  // An application reads the environment with a service token.
  const tokens = new ApiTokensPage(adminPage);
  await tokens.goto();
  const tokenName = `billing-${suffix}`;
  const token = await tokens.createServiceToken({ name: tokenName, scope: "read", environments: [environment] });
  const opened = await request.get(`/api/v1/environments/${encodeURIComponent(environment)}/open`, { headers: { Authorization: `Bearer ${token}` } });
  expect(opened.status()).toBe(200);
  const document = await opened.json();
  expect(document.exports.DB_PASSWORD).toBe(document.rotators["app-db"].current.password);

  await adminPage.goto(environmentUrl);
  await expect(exports.variableRow("DB_PASSWORD")).toContainText("yes");
  const consumer = exports.consumerRow(`token ${tokenName}`);
  await expect(consumer).toContainText(String(document.revision));
  await expect(consumer).toContainText("current");

  // Nobody is behind yet; one more rotation leaves the application on the revision before it.
  await adminPage.goto(rotatorUrl);
  await expect(adminPage.getByTestId("consumers-behind")).toHaveCount(0);
  await rotator.rotateNow();
  await adminPage.reload();
  const warning = adminPage.getByTestId("consumers-behind");
  await expect(warning).toContainText(/1 consumer has not picked up revision \d+ yet/);
  await expect(warning).toContainText(`token ${tokenName} (revision ${document.revision})`);

  await rotator.rotateNowButton.click();
  const dialog = adminPage.getByRole("dialog");
  await expect(dialog.getByTestId("rotate-consumers-behind")).toContainText(`token ${tokenName} (revision ${document.revision})`);
  await dialog.getByRole("button", { name: "Cancel" }).click();

  await adminPage.goto(environmentUrl);
  await expect(consumer).toContainText("behind");
  await expect(consumer).toContainText("Still uses the previous credential of app-db");
});

test("saving exported variables replayed by a viewer or without a session is refused and changes nothing", async ({ adminPage, createUser, signInAs, newContext }) => {
  const environment = `exports-replay-${suffix}`;
  await new EnvironmentPage(adminPage).create(environment);
  const exports = new EnvironmentExports(adminPage);
  await exports.fill(0, "GREETING", "hello");
  const save = await recordAction(adminPage, () => exports.save());
  await expect(exports.editor.getByRole("status")).toHaveText(/^Saved as revision \d+\.$/);

  const viewerPage = await signInAs(await createUser("viewer"));
  expect(await replayAction(viewerPage.context(), save, { hello: "hijacked" })).toContain("You need the operator role to do this.");
  expect(await replayAction(await newContext(), save, { hello: "hijacked" })).toContain("Your session has ended. Sign in again.");
  await adminPage.reload();
  await expect(exports.variableRow("GREETING")).toContainText("hello");
  await expect(exports.variableRow("GREETING")).not.toContainText("hijacked");
  // The viewer sees the variables, not the editor.
  await viewerPage.goto(adminPage.url());
  await expect(new EnvironmentExports(viewerPage).variableRow("GREETING")).toBeVisible();
  await expect(new EnvironmentExports(viewerPage).editor).toHaveCount(0);
});
