/**
 * Rotating real database users from the browser: create an environment, add a PostgreSQL and a MySQL
 * rotator against real servers, test the connection, rotate now with live progress, reveal the new
 * credential and log in to the database with it; the run is in the history and the audit log. A viewer
 * sees neither Reveal nor Rotate, and the server refuses them when the viewer forces the requests.
 */
import { test, expect } from "./fixtures";
import { startPgCluster, type PgCluster } from "../test/support/pg-cluster";
import { connectMysqlAdmin, type MysqlAdmin } from "../test/support/mysql-admin";
import { EnvironmentPage } from "./pages/environment-page";
import { RotatorPage } from "./pages/rotator-page";
import { AuditPage } from "./pages/audit-page";

let cluster: PgCluster;
let mysql: MysqlAdmin;
const MANAGER = { username: "rotor_manager", password: "e2e-manager-password" };

test.beforeAll(async () => {
  cluster = await startPgCluster();
  await cluster.withSuperuser(async (c) => {
    await c.query(`create role rotor_manager login createrole password '${MANAGER.password}'`);
    await c.query(`create role "app'one" login password 'initial-one'`);
    await c.query(`create role "app two" login password 'initial-two'`);
  });
  mysql = await connectMysqlAdmin();
});

test.afterAll(async () => {
  await cluster?.stop();
  await mysql?.dropAll();
});

test.describe.configure({ mode: "serial" });

let rotatorUrl = "";
const envName = `e2e-${Date.now().toString(36)}`;

test("an admin rotates a PostgreSQL user and logs in with the revealed password", async ({ adminPage }) => {
  const env = new EnvironmentPage(adminPage);
  await env.create(envName);
  await env.addRotator("postgres");
  const rotator = new RotatorPage(adminPage);
  await rotator.fillSql({
    name: "pg_app",
    host: cluster.host,
    port: cluster.port,
    database: "postgres",
    tls: "disable",
    managingUser: MANAGER.username,
    managingPassword: "wrong-password",
    user1: "app'one",
    user2: "app two",
  });
  await rotator.testConnection();
  await expect(rotator.form.getByRole("alert")).toContainText("managing user");
  await rotator.form.getByLabel("Managing password", { exact: true }).fill(MANAGER.password);
  await rotator.testConnection();
  await expect(rotator.form.getByRole("status")).toContainText("Connection works");
  await rotator.create();
  rotatorUrl = adminPage.url();

  const run = await rotator.rotateNow();
  await expect(run.getByRole("list", { name: "Steps" })).toContainText("persist pending");
  await expect(run.getByTestId("run-status")).toHaveAttribute("data-run-status", "succeeded");
  await adminPage.reload();
  const current = await rotator.reveal("current");
  expect(current.username).toBe("app'one");
  expect(await cluster.checkLogin({ username: current.username, password: current.password })).toBe(true);
  expect(await cluster.checkLogin({ username: "app'one", password: "initial-one" })).toBe(false);

  // A second rotation alternates to the other user; the first keeps working as previous.
  await rotator.rotateNow();
  await adminPage.reload();
  const next = await rotator.reveal("current");
  const previous = await rotator.reveal("previous");
  expect(next.username).toBe("app two");
  expect(previous).toEqual(current);
  expect(await cluster.checkLogin({ username: next.username, password: next.password })).toBe(true);
  expect(await cluster.checkLogin({ username: previous.username, password: previous.password })).toBe(true);

  // The runs are in the history and the rotation and the reveals in the audit log.
  await adminPage.goto("/history");
  await expect(adminPage.getByRole("table", { name: "Runs" }).getByRole("row").filter({ hasText: "pg_app" })).toHaveCount(2);
  const audit = new AuditPage(adminPage);
  await audit.goto();
  await audit.filter({ action: "secret.revealed" });
  await expect(audit.rows.filter({ hasText: "pg_app" }).first()).toBeVisible();
  await audit.filter({ action: "rotation.succeeded" });
  await expect(audit.rows.filter({ hasText: "pg_app" })).toHaveCount(2);
  // No password ever reaches the audit page.
  expect(await adminPage.content()).not.toContain(next.password);
});

test("an admin rotates a MariaDB user", async ({ adminPage }) => {
  // SELECT on mysql.user lets Check rotation (run when the rotator is created) confirm that both accounts exist.
  const manager = await mysql.createUser({ password: "e2e-mysql-manager", grants: ["CREATE USER ON *.*", "SELECT ON mysql.user"] });
  const one = await mysql.createUser({ password: "initial-m1" });
  const two = await mysql.createUser({ password: "initial-m2" });
  const env = new EnvironmentPage(adminPage);
  await adminPage.goto("/environments");
  await adminPage.getByRole("link", { name: envName }).click();
  await env.addRotator("mysql");
  const rotator = new RotatorPage(adminPage);
  await rotator.fillSql({ name: "mysql_app", host: mysql.host, port: mysql.port, tls: "disable", managingUser: manager.username, managingPassword: manager.password, user1: one.username, user2: two.username });
  await rotator.testConnection();
  await expect(rotator.form.getByRole("status")).toContainText("Connection works");
  await rotator.create();
  const run = await rotator.rotateNow();
  await expect(run.getByTestId("run-status")).toHaveAttribute("data-run-status", "succeeded");
  await adminPage.reload();
  const current = await rotator.reveal("current");
  expect(current.username).toBe(one.username);
  expect(await mysql.checkLogin({ username: current.username, password: current.password })).toBe(true);
  // Both rotators are listed on the environment with their status: rotated fine, but by hand only — no
  // schedule covers them, so "unscheduled" ("healthy" is for scheduled rotators).
  await adminPage.goto("/environments");
  await adminPage.getByRole("link", { name: envName }).click();
  await expect(env.rotatorRow("mysql_app")).toContainText("unscheduled");
  await expect(env.rotatorRow("pg_app")).toContainText("unscheduled");
});

test("a viewer sees neither Reveal nor Rotate, and the server refuses both when forced", async ({ adminPage, createUser, signInAs }) => {
  // Record the operator-level requests the admin's browser sends for Reveal and Rotate now.
  await adminPage.goto(rotatorUrl);
  const rotator = new RotatorPage(adminPage);
  const [revealRequest] = await Promise.all([
    adminPage.waitForRequest((r) => r.method() === "POST" && Boolean(r.headers()["next-action"])),
    rotator.revealButton("current").click(),
  ]);
  const viewer = await createUser("viewer");
  const viewerPage = await signInAs(viewer);
  await viewerPage.goto(rotatorUrl);
  await expect(viewerPage.getByRole("heading", { name: "pg_app" })).toBeVisible();
  await expect(viewerPage.getByTestId("current-password")).toHaveText(/^•+$/);
  await expect(viewerPage.getByRole("button", { name: /Reveal|Rotate now|Copy/ })).toHaveCount(0);

  const response = await viewerPage.context().request.post(rotatorUrl, {
    headers: { "Next-Action": revealRequest.headers()["next-action"], "Content-Type": revealRequest.headers()["content-type"] ?? "text/plain;charset=UTF-8", Accept: "text/x-component" },
    data: revealRequest.postDataBuffer()!,
  });
  const text = await response.text();
  expect(text).toContain("You need the operator role to do this.");
  expect(text).not.toMatch(/"password"/);
});
