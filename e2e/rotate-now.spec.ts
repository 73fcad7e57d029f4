/**
 * What a second click and a revealed password do, in the browser, with `password` rotators (nothing to reach):
 * - after Rotate now, a password revealed before is masked again (the page never shows the old password next
 *   to the new credential, and Copy never copies it); revealing again shows the new one;
 * - two tabs on the same rotator: the second Rotate now, made from the page before the first rotation, is
 *   refused with "Rotated N s ago by …; rotate again?", and only "Rotate again" rotates once more;
 * - the same for Rotate environment (Rotate all) from two tabs on the environment page.
 */
import { test, expect } from "./fixtures";
import { EnvironmentPage } from "./pages/environment-page";
import { RotatorPage } from "./pages/rotator-page";

const envName = `e2e-rotate-${Date.now().toString(36)}`;
test.describe.configure({ mode: "serial" });

let rotatorUrl = "";

async function revealPassword(page: import("@playwright/test").Page, which: "current" | "previous") {
  await page.getByRole("button", { name: `Reveal ${which}` }).click();
  const value = page.getByTestId(`${which}-password`);
  await expect(value).not.toHaveText(/•/);
  return (await value.textContent())!;
}

test("a revealed password is masked again after Rotate now", async ({ adminPage }) => {
  const env = new EnvironmentPage(adminPage);
  await env.create(envName);
  await env.addRotator("password");
  const rotator = new RotatorPage(adminPage);
  await rotator.form.getByLabel("Name", { exact: true }).fill("token");
  await rotator.create();
  rotatorUrl = adminPage.url();
  await rotator.rotateNow();
  await adminPage.reload();

  const first = await revealPassword(adminPage, "current");
  const run = await rotator.rotateNow();
  await expect(run.getByTestId("run-status")).toHaveAttribute("data-run-status", "succeeded");
  // The page refreshed with the new state: the old password is not shown as the current one.
  await expect(adminPage.getByTestId("previous-password")).toHaveText(/•/);
  await expect(adminPage.getByTestId("current-password")).toHaveText(/•/);
  const second = await revealPassword(adminPage, "current");
  expect(second).not.toBe(first);
  expect(await revealPassword(adminPage, "previous")).toBe(first);
});

test("a second Rotate now from an older page is refused until confirmed", async ({ adminPage }) => {
  const tabA = adminPage;
  await tabA.goto(rotatorUrl);
  const tabB = await adminPage.context().newPage();
  await tabB.goto(rotatorUrl);

  await new RotatorPage(tabA).rotateNow();
  const b = new RotatorPage(tabB);
  await b.rotateNowButton.click();
  await tabB.getByRole("dialog").getByRole("button", { name: "Rotate", exact: true }).click();
  const replaced = tabB.getByTestId("rotate-replaced");
  await expect(replaced).toContainText(/^Rotated \d+ s ago by .+; rotate again\?/);
  await expect(tabB.getByTestId("live-run")).toHaveCount(0);

  await replaced.getByRole("button", { name: "Rotate again" }).click();
  await expect(tabB.getByTestId("live-run").getByTestId("run-status")).toHaveAttribute("data-run-status", "succeeded", { timeout: 30_000 });
  await tabB.reload();
  // Two runs from the first test, tab A's, and the confirmed one of tab B: the refused click made none.
  await expect(tabB.getByText(/ · user by /)).toHaveCount(4);
});

test("Rotate environment: a second Rotate all from an older page is refused until confirmed", async ({ adminPage }) => {
  await adminPage.goto(rotatorUrl);
  await adminPage.getByRole("link", { name: envName, exact: true }).click();
  await expect(adminPage.getByRole("heading", { name: envName, level: 1 })).toBeVisible();
  const environmentUrl = adminPage.url();
  const tabB = await adminPage.context().newPage();
  await tabB.goto(environmentUrl);

  await new EnvironmentPage(adminPage).rotateAll(1);
  await expect(new EnvironmentPage(adminPage).rotationResults.locator("[data-status]")).toHaveAttribute("data-status", "succeeded");
  const b = new EnvironmentPage(tabB);
  await b.rotateButton.click();
  await tabB.getByRole("dialog").getByRole("button", { name: "Rotate all" }).click();
  const replaced = tabB.getByTestId("rotate-environment-replaced");
  await expect(replaced).toContainText(/^token: Rotated \d+ s ago by .+; rotate again\?/);
  await expect(b.rotationResults).toHaveCount(0);

  await replaced.getByRole("button", { name: "Rotate again" }).click();
  await expect(b.rotationResults.locator("[data-status]")).toHaveAttribute("data-status", "succeeded", { timeout: 30_000 });
  await tabB.goto(rotatorUrl);
  // Four runs from the tests above, tab A's Rotate all and the confirmed one of tab B: the refused click made none.
  await expect(tabB.getByText(/ · user by /)).toHaveCount(6);
});
