/**
 * Check rotation (preflight) in the browser, against the real MariaDB: creating a rotator whose managing user
 * lacks the grant that allows ALTER USER shows the checklist and saves nothing until "Save anyway"; on the
 * rotator page "Check rotation" shows the same failed line with the GRANT to run, and passes once it is granted.
 */
import { test, expect } from "./fixtures";
import { connectMysqlAdmin, type MysqlAdmin } from "../test/support/mysql-admin";
import { EnvironmentPage } from "./pages/environment-page";
import { RotatorPage } from "./pages/rotator-page";

let mysql: MysqlAdmin;

test.beforeAll(async () => {
  mysql = await connectMysqlAdmin();
});

test.afterAll(async () => {
  await mysql?.dropAll();
});

test("a new rotator that cannot rotate is saved only with Save anyway; Check rotation names the grant, then passes", async ({ adminPage }) => {
  const manager = await mysql.createUser({ password: "e2e-preflight-manager", grants: ["SELECT ON mysql.user"] });
  const one = await mysql.createUser({ password: "initial-p1" });
  const two = await mysql.createUser({ password: "initial-p2" });
  const env = new EnvironmentPage(adminPage);
  await env.create(`preflight-${Date.now().toString(36)}`);
  await env.addRotator("mysql");
  const rotator = new RotatorPage(adminPage);
  await rotator.fillSql({ name: "mysql_check", host: mysql.host, port: mysql.port, tls: "disable", managingUser: manager.username, managingPassword: manager.password, user1: one.username, user2: two.username });

  // Create rotator runs the check first: it fails, the checklist says why and what to grant, nothing is saved.
  const formUrl = adminPage.url();
  await rotator.form.getByRole("button", { name: "Create rotator" }).click();
  const refused = rotator.form.getByRole("region", { name: "Check rotation result" });
  await expect(refused).toBeVisible({ timeout: 30_000 });
  await expect(rotator.form.getByRole("alert")).toContainText("Nothing was saved");
  const grant = `GRANT CREATE USER ON *.* TO '${manager.username}'@'%';`;
  const privilege = rotator.checkLine(refused, `privilege:${one.username}`);
  await expect(privilege).toHaveAttribute("data-check-status", "failed");
  await expect(privilege).toContainText(`To fix: ${grant}`);
  await expect(rotator.checkLine(refused, "managing-login")).toHaveAttribute("data-check-status", "ok");
  expect(adminPage.url()).toBe(formUrl);
  await expect(refused).not.toContainText(manager.password);

  // Save anyway saves it as it is.
  await refused.getByRole("button", { name: "Save anyway" }).click();
  await expect(adminPage).toHaveURL(/\/rotators\/[0-9a-f-]{36}$/);
  await expect(adminPage.getByRole("heading", { name: "mysql_check" })).toBeVisible();

  // On the rotator page: the same failed line …
  const checked = await rotator.checkRotation();
  await expect(rotator.checkLine(checked, `privilege:${two.username}`)).toHaveAttribute("data-check-status", "failed");
  await expect(rotator.checkLine(checked, `privilege:${two.username}`)).toContainText(grant);
  await expect(checked).toContainText(/Check rotation: \d+ ok, 2 failed/);

  // … and once the grant is given, every line that matters passes. Nothing was changed by checking.
  await mysql.query(`GRANT CREATE USER ON *.* TO ?@'%'`, [manager.username]);
  const passed = await rotator.checkRotation();
  await expect(rotator.checkLine(passed, `privilege:${one.username}`)).toHaveAttribute("data-check-status", "ok");
  await expect(passed).not.toContainText("failed");
  expect(await mysql.checkLogin({ username: one.username, password: "initial-p1" })).toBe(true);
  expect(await mysql.checkLogin({ username: two.username, password: "initial-p2" })).toBe(true);
});

test("a password rotator's check says there is nothing to reach", async ({ adminPage }) => {
  const env = new EnvironmentPage(adminPage);
  await env.create(`preflight-pw-${Date.now().toString(36)}`);
  await env.addRotator("password");
  const rotator = new RotatorPage(adminPage);
  await rotator.form.getByLabel("Name", { exact: true }).fill("signing_key");
  await rotator.create();
  const checked = await rotator.checkRotation();
  await expect(rotator.checkLine(checked, "reach")).toHaveAttribute("data-check-status", "skipped");
  await expect(rotator.checkLine(checked, "reach")).toContainText("Nothing to reach");
  await expect(rotator.checkLine(checked, "password-rules")).toHaveAttribute("data-check-status", "ok");
});
