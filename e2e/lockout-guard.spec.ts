/**
 * The lockout guard in the browser: a rotator whose policy is "hold" (chosen in the rotator form) does not
 * rotate while a consumer still holds the credential the rotation would retire. The run ends "held", its
 * "check retiring credential" step names the consumer, the rotator page shows the hold, and "Rotate anyway"
 * asks first, naming who still uses it, then rotates.
 */
import { test, expect } from "./fixtures";
import { prepareHeldRotator } from "./pages/held-rotator";

const suffix = Date.now().toString(36);

test("a held rotation is shown on the rotator page, and Rotate anyway confirms who still uses the credential", async ({ adminPage }) => {
  const tokenName = `worker-${suffix}`;
  const { rotator, revision } = await prepareHeldRotator(adminPage, { environment: `guard-${suffix}`, rotator: "api-key", token: tokenName });

  // Rotating now would retire the password the application still uses: policy hold keeps it.
  const holder = `token ${tokenName} (revision ${revision})`;
  await rotator.rotateNowButton.click();
  await adminPage.getByRole("dialog").getByRole("button", { name: "Rotate", exact: true }).click();
  const live = adminPage.getByTestId("live-run");
  await expect(live.getByTestId("run-status")).toHaveAttribute("data-run-status", "held", { timeout: 30_000 });
  const step = live.getByRole("listitem").filter({ hasText: "check retiring credential" });
  await expect(step).toContainText("Held: The retiring credential is still in use");
  await expect(step).toContainText(holder);
  await expect(live.getByRole("list", { name: "Steps" })).not.toContainText("apply");

  await adminPage.reload();
  const held = adminPage.getByRole("region", { name: "Rotation held" });
  await expect(held).toContainText(`1 consumer has not fetched revision`);
  await expect(held).toContainText(holder);

  // Rotate anyway asks first and names who still uses the credential; Cancel changes nothing.
  await held.getByRole("button", { name: "Rotate anyway" }).click();
  const dialog = adminPage.getByRole("dialog", { name: "Rotate api-key anyway?" });
  await expect(dialog.getByRole("list", { name: "Still used by" })).toHaveText(holder);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(adminPage.getByTestId("live-run")).toHaveCount(0);

  await held.getByRole("button", { name: "Rotate anyway" }).click();
  await dialog.getByRole("button", { name: "Rotate anyway" }).click();
  // The run is quick: when it ends the page refreshes, the hold is gone and the run history shows the override.
  await expect(adminPage.getByRole("region", { name: "Rotation held" })).toHaveCount(0, { timeout: 30_000 });
  await expect(adminPage.getByRole("main")).toContainText("Rotating anyway (chosen by admin");
  await adminPage.reload();
  await expect(adminPage.getByRole("region", { name: "Rotation held" })).toHaveCount(0);
});
