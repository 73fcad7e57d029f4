/**
 * Roll back in the browser, against the real MariaDB (it checks passwords): after two rotations an
 * operator rolls back with a confirmation saying what happens; the page shows the old user current again (a
 * password revealed before is masked again), and both the rolled-back-to current password and the previous one
 * log in at MariaDB; a second click from an older tab is refused with who rolled back. With nothing to roll back to the button is disabled with the reason; a previous password
 * changed elsewhere is refused with the reason. A viewer sees no Roll back, and replaying the action is refused.
 */
import { test, expect } from "./fixtures";
import { connectMysqlAdmin, type MysqlAdmin } from "../test/support/mysql-admin";
import { EnvironmentPage } from "./pages/environment-page";
import { RotatorPage } from "./pages/rotator-page";
import { recordAction, replayAction } from "./support/server-actions";

let mysql: MysqlAdmin;

test.beforeAll(async () => {
  mysql = await connectMysqlAdmin();
});

test.afterAll(async () => {
  await mysql?.dropAll();
});

test("roll back makes the previous MariaDB user current again; both log in; refusals say why; a viewer cannot", async ({ adminPage, createUser, signInAs }) => {
  // SELECT on mysql.user lets Check rotation (run when the rotator is created) confirm that both accounts exist.
  const manager = await mysql.createUser({ password: "e2e-rollback-manager", grants: ["CREATE USER ON *.*", "SELECT ON mysql.user"] });
  const one = await mysql.createUser({ password: "initial-r1" });
  const two = await mysql.createUser({ password: "initial-r2" });
  const env = new EnvironmentPage(adminPage);
  await env.create(`e2e-rollback-${Date.now().toString(36)}`);
  await env.addRotator("mysql");
  const rotator = new RotatorPage(adminPage);
  await rotator.fillSql({ name: "mysql_rb", host: mysql.host, port: mysql.port, tls: "disable", managingUser: manager.username, managingPassword: manager.password, user1: one.username, user2: two.username });
  await rotator.create();
  const rotatorUrl = adminPage.url();
  const rollBackButton = adminPage.getByRole("button", { name: "Roll back", exact: true });

  // One rotation: there is no previous credential yet, so Roll back is disabled and says why.
  await expect(rollBackButton).toBeDisabled();
  await expect((await rotator.rotateNow()).getByTestId("run-status")).toHaveAttribute("data-run-status", "succeeded");
  await adminPage.reload();
  await expect(rollBackButton).toBeDisabled();
  await expect(adminPage.getByTestId("roll-back-unavailable")).toContainText("there is no previous credential");

  await expect((await rotator.rotateNow()).getByTestId("run-status")).toHaveAttribute("data-run-status", "succeeded");
  await adminPage.reload();
  const before = { current: await rotator.reveal("current"), previous: await rotator.reveal("previous") };
  expect(before.current.username).toBe(two.username);
  expect(before.previous.username).toBe(one.username);

  // A second tab on the same page, for the second click below.
  const tabB = await adminPage.context().newPage();
  await tabB.goto(rotatorUrl);

  // Roll back, confirmed: the dialog says what happens for a SQL rotator.
  await expect(rollBackButton).toBeEnabled();
  await rollBackButton.click();
  const dialog = adminPage.getByRole("dialog", { name: "Roll back mysql_rb?" });
  await expect(dialog).toContainText("Both users still log in: the previous user and password become current again, the current ones become previous.");
  const recorded = await recordAction(adminPage, () => dialog.getByRole("button", { name: "Roll back", exact: true }).click());
  await expect(adminPage.getByTestId("roll-back").getByRole("status")).toContainText("Rolled back mysql_rb");
  await expect(adminPage.getByTestId("current-username")).toHaveText(one.username);
  await expect(adminPage.getByTestId("previous-username")).toHaveText(two.username);
  // The passwords revealed before belong to the credentials before the rollback: masked again.
  await expect(adminPage.getByTestId("current-password")).toHaveText(/•/);
  await expect(adminPage.getByTestId("previous-password")).toHaveText(/•/);
  const after = { current: await rotator.reveal("current"), previous: await rotator.reveal("previous") };
  expect(after).toEqual({ current: before.previous, previous: before.current });
  expect(await mysql.checkLogin(after.current)).toBe(true);
  expect(await mysql.checkLogin(after.previous)).toBe(true);

  // The second tab's Roll back was made from the page before the rollback (it would swap back): refused, saying who.
  await tabB.getByRole("button", { name: "Roll back", exact: true }).click();
  await tabB.getByRole("dialog", { name: "Roll back mysql_rb?" }).getByRole("button", { name: "Roll back", exact: true }).click();
  const replaced = tabB.getByTestId("roll-back-replaced");
  await expect(replaced).toContainText(/^Changed \(rolled back mysql_rb\) \d+ s ago by .+; roll back anyway\?/);
  await replaced.getByRole("button", { name: "Cancel" }).click();
  await expect(tabB.getByTestId("current-username")).toHaveText(one.username);

  // A viewer sees no Roll back, and replaying the operator's request (unbound) is refused by the server.
  const viewerPage = await signInAs(await createUser("viewer"));
  await viewerPage.goto(rotatorUrl);
  await expect(viewerPage.getByRole("heading", { name: "mysql_rb" })).toBeVisible();
  await expect(viewerPage.getByRole("button", { name: "Roll back" })).toHaveCount(0);
  const unbound = recorded.body.replace(/,"expectedRevision":\d+/, "");
  expect(unbound).not.toContain("expectedRevision");
  expect(await replayAction(viewerPage.context(), { ...recorded, body: unbound })).toContain("You need the operator role to do this.");
  await adminPage.reload();
  await expect(adminPage.getByTestId("current-username")).toHaveText(one.username);

  // The previous user's password changed elsewhere: Roll back is refused with the reason, nothing changes.
  await mysql.query("ALTER USER ?@'%' IDENTIFIED BY 'changed-elsewhere'", [two.username]);
  await rollBackButton.click();
  await adminPage.getByRole("dialog", { name: "Roll back mysql_rb?" }).getByRole("button", { name: "Roll back", exact: true }).click();
  const refused = adminPage.getByTestId("roll-back").getByRole("alert");
  await expect(refused).toContainText(`Cannot roll back: the previous credential (${two.username}) no longer works.`, { timeout: 30_000 });
  await expect(refused).not.toContainText("Something went wrong");
  await adminPage.reload();
  await expect(adminPage.getByTestId("current-username")).toHaveText(one.username);
  expect(await mysql.checkLogin(after.current)).toBe(true);
});
