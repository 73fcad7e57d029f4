/**
 * Schedules, the overview and webhooks from the browser:
 * - the schedule editor validates as the user types, previews the next five runs in the browser's time zone
 *   and in UTC, saves, pauses and resumes; the rotator's status follows, the overview lists the run;
 * - a webhook is added (its secret shown once), "Send test" reaches a receiver on loopback that checks the
 *   signature, and the delivery shows in the log;
 * - a rotator whose target is unreachable fails: the overview lists it first with its error and a Rotate now
 *   button, and the in-process scheduler's notifier delivers one signed rotation.failed to the webhook.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test, expect } from "./fixtures";
import { EnvironmentPage } from "./pages/environment-page";
import { RotatorPage } from "./pages/rotator-page";
import { ScheduleEditor } from "./pages/schedule-editor";
import { OverviewPage } from "./pages/overview-page";
import { WebhooksPage } from "./pages/webhooks-page";
import { Webhook } from "standardwebhooks";

interface Received {
  event: string;
  verified: boolean;
  body: { type?: string; rotator?: { name: string }; run?: { errorMessage: string | null } };
}

let server: http.Server;
let receiverUrl = "";
let secret = "";
const received: Received[] = [];

test.beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const verified = verifiesWith(secret, raw, req.headers);
      received.push({ event: String(req.headers["x-rotor-event"]), verified, body: JSON.parse(raw) });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rotor`;
});

test.afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

test.describe.configure({ mode: "serial" });

const suffix = Date.now().toString(36);
const envName = `sched-${suffix}`;

test("create a schedule, see the next runs in my time zone and UTC, pause and resume it", async ({ newContext, harness }) => {
  // The browser is in New York; the schedule is in Berlin time.
  const context = await newContext({ storageState: harness.adminStatePath, timezoneId: "America/New_York" });
  const page = await context.newPage();
  const env = new EnvironmentPage(page);
  await env.create(envName);
  await env.addRotator("password");
  const rotator = new RotatorPage(page);
  await rotator.form.getByLabel("Name", { exact: true }).fill("app_secret");
  await rotator.create();

  const schedule = new ScheduleEditor(page);
  await expect(schedule.section).toContainText("No schedule");
  // A new schedule starts in the browser's time zone.
  await expect(schedule.field("Time zone")).toHaveValue("America/New_York");

  // Validation as the user types.
  await schedule.cron("61 * * * *");
  await expect(schedule.error).toContainText("61 is out of range (0-59)");
  await expect(schedule.saveButton).toBeDisabled();
  await schedule.cron("*/10 * * * *");
  await expect(schedule.error).toContainText("rotations must be at least 60 minutes apart");
  await schedule.cron("30 2 * * *", "Mars/Olympus");
  await expect(schedule.error).toContainText('Unknown time zone "Mars/Olympus"');

  await schedule.cron("30 2 * * *", "Europe/Berlin");
  await expect(schedule.error).toHaveCount(0);
  await expect(schedule.nextRuns.getByRole("columnheader")).toHaveText(["Your time (America/New_York)", "Schedule's time (Europe/Berlin)", "UTC"]);
  const rows = await schedule.nextRunRows();
  expect(rows).toHaveLength(5);
  for (const [local, own, utc] of rows) {
    // 02:30 in Berlin is 00:30 or 01:30 UTC, and the evening before (or 21:30/20:30 …) in New York.
    expect(own).toMatch(/^\d{4}-\d{2}-\d{2} 02:30$/);
    expect(utc).toMatch(/^\d{4}-\d{2}-\d{2} 0[01]:30$/);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2} (19|20|21):30$/);
  }

  await schedule.save();
  await expect(schedule.state).toHaveText("active");
  await expect(schedule.summary).toContainText("cron 30 2 * * * (Europe/Berlin)");
  await expect(schedule.summary).toContainText("Next run");

  await schedule.pause();
  await expect(schedule.summary).toContainText("Paused");
  await page.reload();
  await expect(page.locator("[data-status='paused']").first()).toBeVisible();
  await schedule.resume();
  await page.reload();
  await expect(page.locator("[data-status='healthy']").first()).toBeVisible();

  // The overview lists the upcoming run.
  const overview = new OverviewPage(page);
  await overview.goto();
  await expect(overview.upcomingRow("app_secret")).toContainText("cron 30 2 * * * (Europe/Berlin)");
  await expect(overview.chart).toBeVisible();
});

test("send a test notification to a webhook and see it in the delivery log", async ({ adminPage }) => {
  const webhooks = new WebhooksPage(adminPage);
  await webhooks.goto();
  secret = await webhooks.add({ name: `ops-${suffix}`, url: receiverUrl, events: ["rotation.failed", "rotation.recovered"] });
  expect(secret).toMatch(/^whsec_/);
  // The URL is not shown again in full (it may be a credential).
  await expect(webhooks.row(`ops-${suffix}`)).toContainText(`${new URL(receiverUrl).origin}/…`);

  await webhooks.sendTest(`ops-${suffix}`);
  await expect(webhooks.row(`ops-${suffix}`).getByRole("status")).toHaveText("Delivered (HTTP 204).");
  expect(received.filter((r) => r.event === "webhook.test").map((r) => r.verified)).toEqual([true]);
  await expect(webhooks.deliveryRows("webhook.test").first()).toContainText("succeeded");
});

test("a failing rotator is on the overview with its error, and the failure is notified once", async ({ adminPage }) => {
  const env = new EnvironmentPage(adminPage);
  await adminPage.goto("/environments");
  await adminPage.getByRole("link", { name: envName }).click();
  await env.addRotator("postgres");
  const rotator = new RotatorPage(adminPage);
  // Nothing listens on port 1: every rotation fails with "connection refused".
  await rotator.fillSql({ name: "unreachable_db", host: "127.0.0.1", port: 1, tls: "disable", managingUser: "rotor", managingPassword: "not-used-0", user1: "app1", user2: "app2" });
  // Check rotation fails (unreachable), so saving it takes "Save anyway".
  await rotator.createAnyway();
  const run = await rotator.rotateNow();
  await expect(run.getByTestId("run-status")).toHaveAttribute("data-run-status", "failed");

  const overview = new OverviewPage(adminPage);
  await overview.goto();
  const row = overview.attentionRow("unreachable_db");
  await expect(row).toContainText("failing");
  await expect(row).toContainText("connection refused");
  await expect(row.getByRole("button", { name: "Rotate now" })).toBeVisible();
  await expect(overview.count("failing")).toContainText(/[1-9]/);

  // The scheduler's notifier (in the server process) sends rotation.failed within a poll or two.
  await expect.poll(() => received.filter((r) => r.event === "rotation.failed").length, { timeout: 30_000 }).toBe(1);
  const failed = received.find((r) => r.event === "rotation.failed")!;
  expect(failed.verified).toBe(true);
  expect(failed.body.rotator?.name).toBe("unreachable_db");
  expect(failed.body.run?.errorMessage).toContain("connection refused");

  const webhooks = new WebhooksPage(adminPage);
  await webhooks.goto();
  await expect(webhooks.deliveryRows("rotation.failed").first()).toContainText("succeeded");
  // One episode, one notification: a second failed attempt does not notify again.
  await overview.goto();
  await overview.attentionRow("unreachable_db").getByRole("button", { name: "Rotate now" }).click();
  await adminPage.getByRole("dialog").getByRole("button", { name: "Rotate", exact: true }).click();
  await expect(overview.attentionRow("unreachable_db").locator("[data-status='failed']").first()).toBeVisible({ timeout: 30_000 });
  await adminPage.waitForTimeout(7_000);
  expect(received.filter((r) => r.event === "rotation.failed")).toHaveLength(1);
});

/** What a receiver does: verify with the Standard Webhooks reference library. */
function verifiesWith(secret: string | undefined, raw: string, headers: import("node:http").IncomingHttpHeaders): boolean {
  try {
    new Webhook(secret ?? "").verify(raw, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}
