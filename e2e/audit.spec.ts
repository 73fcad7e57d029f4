/**
 * The audit log records the security-relevant events of this spec's own actions (and the first-run setup),
 * its hash chain verifies as intact, and the CSV export downloads them.
 */
import fs from "node:fs";
import { test, expect } from "./fixtures";
import { FIRST_ADMIN } from "./support/accounts";
import { AuditPage } from "./pages/audit-page";
import { LoginPage } from "./pages/login-page";
import { SettingsPage } from "./pages/settings-page";

const CSV_HEADER = "id,at,actor,action,outcome,target_type,target_id,target,ip,details,hash";

test("sign-ins, user changes and refusals are in the audit log, the chain is intact, and CSV export works", async ({
  page,
  adminPage,
  createUser,
  signInAs,
}) => {
  // Produce one of each event.
  const user = await createUser("viewer"); // user.created
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(user.email, "not-the-password-123"); // auth.sign_in failure
  await expect(login.error).toBeVisible();
  const userPage = await signInAs(user); // auth.sign_in success
  await userPage.goto("/settings"); // permission.denied
  await expect(userPage).toHaveURL(/\/forbidden/);
  const settings = new SettingsPage(adminPage);
  await settings.goto();
  await settings.disableUser(user.email); // user.disabled

  const audit = new AuditPage(adminPage);
  await audit.goto();

  // The actor filter is exact; typing part of a name offers the whole one.
  const actorInput = audit.filters.getByLabel("Actor", { exact: true });
  await actorInput.fill(user.email.slice(0, -4));
  await expect(adminPage.locator(`#audit-actor-suggestions option[value="${user.email.toLowerCase()}"]`)).toHaveCount(1);
  await audit.filter({ actor: user.email.slice(0, -4) });
  await expect(audit.rows).toHaveCount(0);

  await audit.filter({ actor: user.email });
  await expect(audit.rowsFor("auth.sign_in", "failure")).toHaveCount(1);
  await expect(audit.rowsFor("auth.sign_in", "failure")).toContainText('"reason":"wrong password"');
  await expect(audit.rowsFor("auth.sign_in", "success")).toHaveCount(1);
  await expect(audit.rowsFor("permission.denied", "denied")).toHaveCount(1);
  await expect(audit.rowsFor("permission.denied", "denied")).toContainText('"attempted":"settings page"');
  // Never a password in the log.
  await expect(audit.table).not.toContainText(user.password);

  await audit.filter({ target: user.email });
  await expect(audit.rowsFor("user.created")).toHaveCount(1);
  await expect(audit.rowsFor("user.created")).toContainText(FIRST_ADMIN.email);
  await expect(audit.rowsFor("user.disabled")).toHaveCount(1);

  await audit.filter({ action: "setup.completed" });
  await expect(audit.rowsFor("setup.completed")).toHaveCount(1);
  await expect(audit.rowsFor("setup.completed")).toContainText(FIRST_ADMIN.email);

  await expect(await audit.verifyChain()).toHaveText(/^The audit chain is intact \(\d+ events checked; keyed from event #\d+; (no checkpoint yet|it matches the checkpoint of \S+ \(\d+ events\))\)\.$/);

  // The export carries the current filter.
  await audit.filter({ actor: user.email });
  const download = await audit.exportCsv();
  expect(download.suggestedFilename()).toMatch(/^rotor-audit-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = fs.readFileSync(await download.path(), "utf8").trimEnd().split("\n");
  expect(lines[0]).toBe(CSV_HEADER);
  expect(lines.length).toBeGreaterThanOrEqual(4);
  for (const line of lines.slice(1)) expect(line).toContain(user.email);
  expect(lines.some((line) => line.includes("permission.denied"))).toBe(true);
});
