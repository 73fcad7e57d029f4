/**
 * Usability as a new user meets it in the first hour: copying that says what it did
 * (also where the browser gives no clipboard) and copies a SQL credential as a connection string; the audit
 * page and the history at 1280 px and 390 px; times in the viewer's zone with UTC on hover; a paused schedule;
 * navigation by role; a used setup link; labelled configuration; aligned checkboxes; dark mode; the favicon.
 */
import type { Page } from "@playwright/test";
import { test, expect, type Role } from "./fixtures";
import { startPgCluster, type PgCluster } from "../test/support/pg-cluster";
import { EnvironmentPage } from "./pages/environment-page";
import { RotatorPage } from "./pages/rotator-page";
import { WebhooksPage } from "./pages/webhooks-page";
import { ScheduleEditor } from "./pages/schedule-editor";
import { OverviewPage } from "./pages/overview-page";
import { Dashboard } from "./pages/dashboard";

let cluster: PgCluster;
const MANAGER = { username: "usability_manager", password: "usability-manager-password" };
const suffix = Date.now().toString(36);
const envName = `usability-${suffix}`;
let rotatorUrl = "";
let failingRotatorUrl = "";

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  cluster = await startPgCluster();
  await cluster.withSuperuser(async (c) => {
    await c.query(`create role ${MANAGER.username} login createrole password '${MANAGER.password}'`);
    await c.query(`create role usability_one login password 'initial-one'`);
    await c.query(`create role usability_two login password 'initial-two'`);
  });
});

test.afterAll(async () => {
  await cluster?.stop();
});

/** What a browser without a clipboard for this page (http://<LAN address>: not a secure context) has. */
function withoutClipboard() {
  Object.defineProperty(window, "isSecureContext", { get: () => false });
  Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined });
}

/** The page is no wider than the window: nothing scrolls sideways. */
async function expectNoHorizontalScroll(page: Page, what: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${what}: document ${scrollWidth}px wide in a ${innerWidth}px window`).toBeLessThanOrEqual(innerWidth);
}

test("a PostgreSQL rotator: configuration as labelled fields, copied as a connection string that logs in", async ({ newContext, harness }) => {
  const context = await newContext({ storageState: harness.adminStatePath, permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  const env = new EnvironmentPage(page);
  await env.create(envName);
  await env.addRotator("postgres");
  const rotator = new RotatorPage(page);
  await rotator.fillSql({ name: "usability_pg", host: cluster.host, port: cluster.port, database: "postgres", tls: "disable", managingUser: MANAGER.username, managingPassword: MANAGER.password, user1: "usability_one", user2: "usability_two" });
  await rotator.create();
  rotatorUrl = page.url();

  // Item 20: the configuration is the form's labels and values, the secret only as "stored encrypted".
  const configuration = await rotator.configuration();
  expect(configuration).toMatchObject({
    Host: cluster.host,
    Port: String(cluster.port),
    Database: "postgres",
    TLS: "disable",
    "Managing user": MANAGER.username,
    "Managing password": "stored encrypted",
    "User 1": "usability_one",
    "User 2": "usability_two",
    "Lowercase letters": "yes",
  });
  expect(await page.content()).not.toContain(MANAGER.password);
  await expect(page.getByText('"managing"')).toHaveCount(0); // no raw JSON

  const run = await rotator.rotateNow();
  await expect(run.getByTestId("run-status")).toHaveAttribute("data-run-status", "succeeded");
  // Item 17: the live run has a total duration.
  await expect(run.getByTestId("run-duration")).toHaveText(/^total \d+(\.\d)? (ms|s)$|^total \d+ min \d{2} s$/);
  await page.reload();

  // Item 16: copy the username and password together, as a connection string and as environment lines.
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  await rotator.copy("current", "Connection string");
  await expect(rotator.copyButton("current")).toHaveText("Copied");
  const url = new URL(await clipboard());
  expect(url.protocol).toBe("postgresql:");
  expect(decodeURIComponent(url.username)).toBe("usability_one");
  expect(`${url.hostname}:${url.port}${url.pathname}${url.search}`).toBe(`${cluster.host}:${cluster.port}/postgres?sslmode=disable`);
  expect(await cluster.checkLogin({ username: "usability_one", password: decodeURIComponent(url.password) })).toBe(true);

  await rotator.copy("current", "Environment lines");
  await expect.poll(clipboard).toMatch(/^PGHOST=127\.0\.0\.1\nPGPORT=\d+\nPGDATABASE=postgres\nPGUSER=usability_one\nPGPASSWORD=\S+\nPGSSLMODE=disable$/);
  await rotator.copy("current", "Username and password");
  await expect.poll(clipboard).toBe(`username: usability_one\npassword: ${decodeURIComponent(url.password)}`);
  await rotator.copy("current", "password");
  await expect.poll(clipboard).toBe(decodeURIComponent(url.password));
});

test("where the browser has no clipboard, Copy says nothing was copied and selects the text instead", async ({ newContext, harness }) => {
  const context = await newContext({ storageState: harness.adminStatePath });
  await context.addInitScript(withoutClipboard);
  const page = await context.newPage();
  await page.goto(rotatorUrl);
  const rotator = new RotatorPage(page);
  await rotator.copy("current", "Connection string");
  const credential = page.getByTestId("credential-current");
  await expect(credential.getByRole("status")).toContainText("Nothing was copied");
  await expect(rotator.copyButton("current")).toHaveText("Copy current");
  const box = credential.getByRole("textbox", { name: "Text to copy" });
  await expect(box).toHaveValue(/^postgresql:\/\/usability_one:/);
  await expect(box).toBeFocused();
  const selected = await box.evaluate((el: HTMLTextAreaElement) => el.value.slice(el.selectionStart, el.selectionEnd));
  expect(selected).toBe(await box.inputValue());

  // Item 20: the webhook secret, shown once, has a copy button, which is as honest.
  const webhooks = new WebhooksPage(page);
  await webhooks.goto();
  const secret = await webhooks.add({ name: `copy-${suffix}`, url: "http://127.0.0.1:9/hook" });
  await webhooks.addForm.getByRole("button", { name: "Copy secret" }).click();
  await expect(webhooks.addForm.getByRole("status").filter({ hasText: "Nothing was copied" })).toBeVisible();
  expect(await page.evaluate(() => window.getSelection()?.toString())).toBe(secret);
});

test("the webhook secret's copy button copies it", async ({ newContext, harness }) => {
  const context = await newContext({ storageState: harness.adminStatePath, permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  const webhooks = new WebhooksPage(page);
  await webhooks.goto();
  const secret = await webhooks.add({ name: `copied-${suffix}`, url: "http://127.0.0.1:9/hook" });
  await webhooks.addForm.getByRole("button", { name: "Copy secret" }).click();
  await expect(webhooks.addForm.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
});

test("a failed run says its error once, with durations; History links each run to its steps", async ({ adminPage }) => {
  const env = new EnvironmentPage(adminPage);
  await adminPage.goto("/environments");
  await adminPage.getByRole("link", { name: envName }).click();
  await env.addRotator("postgres");
  const rotator = new RotatorPage(adminPage);
  // Nothing listens on port 1: the run fails with "connection refused".
  await rotator.fillSql({ name: "usability_down", host: "127.0.0.1", port: 1, tls: "disable", managingUser: "rotor", managingPassword: "not-used-0", user1: "app1", user2: "app2" });
  // Check rotation fails (unreachable), so saving it takes "Save anyway".
  await rotator.createAnyway();
  failingRotatorUrl = adminPage.url();
  const run = await rotator.rotateNow();
  await expect(run.getByTestId("run-status")).toHaveAttribute("data-run-status", "failed");
  const text = await run.innerText();
  expect(text.match(/connection refused/gi) ?? [], text).toHaveLength(1);
  await expect(run.getByRole("alert")).toContainText("Failed at");
  await expect(run.getByTestId("run-duration")).toBeVisible();

  await adminPage.goto("/history");
  const runs = adminPage.getByRole("table", { name: "Runs" });
  const headers = await runs.getByRole("columnheader").allTextContents();
  const durationColumn = headers.indexOf("Duration");
  expect(durationColumn, headers.join(", ")).toBeGreaterThan(0);
  const row = runs.getByRole("row").filter({ has: adminPage.getByRole("link", { name: "usability_pg", exact: true }) }).first();
  await expect(row.getByRole("cell").nth(durationColumn)).toHaveText(/^\d+(\.\d)? (ms|s)$/);
  // The start time links to the run's steps.
  await row.getByRole("cell").first().getByRole("link").click();
  await expect(adminPage).toHaveURL(/\/history\/[0-9a-f-]{36}$/);
  const steps = adminPage.getByRole("list", { name: "Steps" });
  await expect(steps).toContainText("verify");
  await expect(steps).toContainText("commit");
});

test("the audit page and the history fit a 1280 px window; details wrap", async ({ newContext, harness }) => {
  const context = await newContext({ storageState: harness.adminStatePath, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto("/audit");
  await expect(page.getByRole("table", { name: "Audit events" })).toBeVisible();
  await expectNoHorizontalScroll(page, "/audit");
  // rotation.failed events carry the run id, the code and the error: several lines, not one long one.
  await page.goto(`/audit?action=rotation.failed`);
  const details = page.getByRole("table", { name: "Audit events" }).locator("tbody tr").first().locator(".details");
  expect(await details.locator("div").count()).toBeGreaterThan(1);
  await expectNoHorizontalScroll(page, "/audit?action=rotation.failed");
  await page.goto("/history");
  await expectNoHorizontalScroll(page, "/history");
});

test("every page works 390 px wide: nothing scrolls sideways", async ({ newContext, harness }) => {
  const context = await newContext({ storageState: harness.adminStatePath, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(rotatorUrl);
  const environmentUrl = await page.getByRole("link", { name: envName }).getAttribute("href");
  await page.goto("/history");
  const runUrl = await page.getByRole("table", { name: "Runs" }).locator("tbody tr").first().getByRole("cell").first().getByRole("link").getAttribute("href");
  const paths = [
    "/",
    "/environments",
    environmentUrl!,
    `${environmentUrl}/rotators/new?type=postgres`,
    rotatorUrl,
    failingRotatorUrl,
    `${new URL(rotatorUrl).pathname}/edit`,
    "/history",
    runUrl!,
    "/audit",
    "/aws-logins",
    "/connectors",
    "/settings",
    "/settings/webhooks",
    "/settings/tokens",
    "/account",
    "/api-reference",
  ];
  for (const path of paths) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
    await expectNoHorizontalScroll(page, path);
  }
  // The tables are still tables (they scroll inside themselves).
  await page.goto("/history");
  await expect(page.getByRole("table", { name: "Runs" }).getByRole("row").nth(1)).toBeVisible();
  // Signed out, too.
  const signedOut = await (await newContext({ viewport: { width: 390, height: 844 } })).newPage();
  await signedOut.goto("/login");
  await expectNoHorizontalScroll(signedOut, "/login");
});

test("times are in my time zone with UTC on hover, on every page", async ({ newContext, harness }) => {
  const context = await newContext({ storageState: harness.adminStatePath, timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  for (const path of ["/", "/history", "/audit", "/environments", rotatorUrl, "/account"]) {
    await page.goto(path);
    const times = page.locator("time");
    await expect(times.first()).toHaveText(/GMT\+9$/); // hydrated: the browser's zone
    const shown = await times.evaluateAll((els) => els.map((el) => ({ text: el.textContent ?? "", title: el.getAttribute("title") ?? "", iso: el.getAttribute("datetime") ?? "" })));
    expect(shown.length, path).toBeGreaterThan(0);
    for (const time of shown) {
      const local = new Date(new Date(time.iso).getTime() + 9 * 3600_000).toISOString().replace("T", " ");
      expect(time.text, path).toMatch(new RegExp(`^${local.slice(0, 16)}(:\\d{2})? GMT\\+9$`));
      expect(time.title, path).toBe(`${time.iso.replace("T", " ").slice(0, 19)} UTC`);
    }
  }
  // The audit log no longer claims its column is UTC.
  await page.goto("/audit");
  await expect(page.getByRole("columnheader", { name: "When (UTC)" })).toHaveCount(0);
});

test("the schedule preview shows the schedule's own zone; a paused schedule plans nothing, and the overview says paused", async ({ newContext, harness }) => {
  const context = await newContext({ storageState: harness.adminStatePath, timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  const env = new EnvironmentPage(page);
  await page.goto("/environments");
  await page.getByRole("link", { name: envName }).click();
  await env.addRotator("password");
  const rotator = new RotatorPage(page);
  await rotator.form.getByLabel("Name", { exact: true }).fill("usability_paused");
  await rotator.create();
  const schedule = new ScheduleEditor(page);
  await schedule.cron("0 3 * * *", "America/New_York");
  await expect(schedule.nextRuns.getByRole("columnheader")).toHaveText(["Your time (Asia/Tokyo)", "Schedule's time (America/New_York)", "UTC"]);
  for (const [, own] of await schedule.nextRunRows()) expect(own).toMatch(/ 03:00$/);
  await schedule.save();
  await schedule.pause();
  await expect(schedule.nextRuns).toHaveCount(0);
  await expect(schedule.section.getByTestId("next-runs-paused")).toHaveText(/None while the schedule is paused/);

  const overview = new OverviewPage(page);
  await overview.goto();
  await expect(overview.upcomingRow("usability_paused")).toHaveCount(0);
  await expect(page.getByTestId(/^upcoming-(none|paused)$/)).toContainText("paused");
  await expect(page.getByText("Nothing is scheduled.")).toHaveCount(0);
});

test("viewers and operators are not shown navigation they cannot use", async ({ createUser, signInAs, adminPage }) => {
  const expected: Record<Role, boolean> = { viewer: false, operator: false, admin: true };
  for (const role of ["viewer", "operator"] as const) {
    const page = await signInAs(await createUser(role));
    const nav = new Dashboard(page).nav;
    await expect(nav.getByRole("link", { name: "Overview" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Settings", exact: true })).toHaveCount(expected[role] ? 1 : 0);
    // Not hidden in the browser: not sent at all.
    expect(await page.content()).not.toContain('href="/settings"');
  }
  await adminPage.goto("/");
  await expect(new Dashboard(adminPage).nav.getByRole("link", { name: "Settings", exact: true })).toBeVisible();
});

test("a used setup link says Rotor is already set up and leads to sign-in", async ({ page, harness }) => {
  await page.goto(harness.setupUrl);
  await expect(page.getByRole("status")).toHaveText("Rotor is already set up — sign in.");
  await page.getByRole("link", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login$/);
});

test("password-rule checkboxes sit on their labels' line", async ({ adminPage }) => {
  await adminPage.goto("/environments");
  await adminPage.getByRole("link", { name: envName }).click();
  await new EnvironmentPage(adminPage).addRotator("password");
  const form = new RotatorPage(adminPage).form;
  for (const label of ["Lowercase letters", "Uppercase letters", "Digits", "Symbols"]) {
    const box = (await form.getByRole("checkbox", { name: label, exact: true }).boundingBox())!;
    const text = (await form.locator("label", { hasText: new RegExp(`^${label}$`) }).boundingBox())!;
    expect(Math.abs(box.y + box.height / 2 - (text.y + text.height / 2)), label).toBeLessThan(4);
    expect(box.x + box.width, label).toBeLessThanOrEqual(text.x);
  }
});

test("dark mode follows the system setting", async ({ adminPage }) => {
  const background = () => adminPage.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const luminance = (rgb: string) => {
    const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  };
  await adminPage.emulateMedia({ colorScheme: "light" });
  await adminPage.goto(rotatorUrl);
  expect(luminance(await background())).toBeGreaterThan(0.8);
  await adminPage.emulateMedia({ colorScheme: "dark" });
  expect(luminance(await background())).toBeLessThan(0.2);
  // Cards, fields and buttons follow, so text stays readable.
  const card = await adminPage.locator(".card").first().evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(luminance(card)).toBeLessThan(0.25);
  const button = await adminPage.getByRole("link", { name: "Edit", exact: true }).evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(luminance(button)).toBeLessThan(0.25);
});

test("the favicon the layout names exists", async ({ page, request }) => {
  await page.goto("/login");
  const icons = await page.locator('link[rel~="icon"]').evaluateAll((links) => links.map((l) => l.getAttribute("href")!));
  expect(icons.length).toBeGreaterThan(0);
  for (const href of [...icons, "/favicon.ico"]) {
    const response = await request.get(href);
    expect(response.status(), href).toBe(200);
    expect(response.headers()["content-type"], href).toMatch(/^image\//);
  }
});
