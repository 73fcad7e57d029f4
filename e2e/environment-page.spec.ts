/**
 * The environment page while nothing runs: it must not poll. An environment without rotators, and any
 * environment after "Rotate environment" finished, used to call router.refresh() in a loop (100-300
 * requests per 10 s for as long as the page stayed open).
 */
import type { Page, Request } from "@playwright/test";
import { test, expect } from "./fixtures";
import { EnvironmentPage } from "./pages/environment-page";
import { RotatorPage } from "./pages/rotator-page";
import { ApiTokensPage } from "./pages/api-tokens-page";
import { prepareHeldRotator } from "./pages/held-rotator";

const suffix = Date.now().toString(36);

/**
 * Every request the page makes in `ms` (documents, RSC refreshes, API polls), except Next.js prefetching the
 * links it shows (marked `next-router-prefetch`, once per link, late on a loaded machine) and static files:
 * those are not the page polling.
 */
async function requestsDuring(page: Page, ms: number): Promise<string[]> {
  const seen: string[] = [];
  const record = (request: Request) => {
    const { pathname } = new URL(request.url());
    if (request.headers()["next-router-prefetch"] || pathname.startsWith("/_next/static/") || pathname.startsWith("/favicon")) return;
    seen.push(request.url());
  };
  page.on("request", record);
  await page.waitForTimeout(ms);
  page.off("request", record);
  return seen;
}

test("an environment without rotators makes no requests while it is open", async ({ adminPage }) => {
  const env = new EnvironmentPage(adminPage);
  await env.create(`quiet-${suffix}`);
  await expect(env.rotateButton).toBeDisabled();
  const requests = await requestsDuring(adminPage, 10_000);
  expect(requests, requests.slice(0, 5).join("\n")).toHaveLength(0);
});

test("after Rotate environment has finished, the page stops polling", async ({ adminPage }) => {
  const env = new EnvironmentPage(adminPage);
  await env.create(`rotated-${suffix}`);
  const environmentUrl = adminPage.url();
  for (const name of ["first_secret", "second_secret"]) {
    await env.addRotator("password");
    const rotator = new RotatorPage(adminPage);
    await rotator.form.getByLabel("Name", { exact: true }).fill(name);
    await rotator.create();
    await adminPage.goto(environmentUrl);
  }
  await env.rotateAll(2);
  await expect(env.rotationResults).toContainText("first_secret");
  // The page refreshes once to show the new state, then stays quiet.
  await expect(env.rotatorRow("first_secret")).toContainText("succeeded");
  const requests = await requestsDuring(adminPage, 10_000);
  expect(requests, requests.slice(0, 5).join("\n")).toHaveLength(0);
});

test("after Rotate environment is held by the lockout guard, the page stops polling", async ({ adminPage }) => {
  // A held run has ended too: the batch's progress list once waited for succeeded or failed only, and polled
  // every second for as long as the page stayed open.
  const { environmentUrl } = await prepareHeldRotator(adminPage, { environment: `held-${suffix}`, rotator: "held_secret", token: `held-${suffix}` });
  const env = new EnvironmentPage(adminPage);
  await adminPage.goto(environmentUrl);

  await env.rotateButton.click();
  await adminPage.getByRole("dialog").getByRole("button", { name: "Rotate all" }).click();
  await expect(env.rotationResults.locator("[data-status]")).toHaveAttribute("data-status", "held", { timeout: 30_000 });
  await expect(env.rotatorRow("held_secret")).toContainText("held");
  await expect(env.rotateButton).toBeEnabled();
  const requests = await requestsDuring(adminPage, 10_000);
  expect(requests, requests.slice(0, 5).join("\n")).toHaveLength(0);
});

test("an environment with many rotators shows them a page at a time", async ({ adminPage }) => {
  const name = `many-${suffix}`;
  const env = new EnvironmentPage(adminPage);
  await env.create(name);
  const environmentUrl = adminPage.url();
  const tokens = new ApiTokensPage(adminPage);
  await tokens.goto();
  const token = await tokens.createServiceToken({ name: `many-${suffix}`, scope: "admin", environments: [name] });
  // 55 rotators: one full page of 50 and five on the second (names sort as the page does).
  for (let i = 1; i <= 55; i++) {
    const created = await adminPage.request.post(`/api/v1/environments/${encodeURIComponent(name)}/rotators`, {
      headers: { Authorization: `Bearer ${token}` },
      data: { name: `secret_${String(i).padStart(2, "0")}`, type: "password" },
    });
    expect(created.status(), await created.text()).toBe(201);
  }
  await adminPage.goto(environmentUrl);
  const rows = adminPage.getByRole("table", { name: "Rotators" }).locator("tbody tr");
  await expect(rows).toHaveCount(50);
  const pages = adminPage.getByRole("navigation", { name: "Rotator pages" });
  await expect(pages).toContainText("Rotators 1–50 of 55");
  await expect(env.rotatorRow("secret_50")).toBeVisible();
  await pages.getByRole("link", { name: "Next" }).click();
  await expect(pages).toContainText("Rotators 51–55 of 55");
  await expect(rows).toHaveCount(5);
  await expect(env.rotatorRow("secret_55")).toBeVisible();
  // The whole environment is still what "Rotate environment" rotates.
  await expect(env.rotateButton).toBeEnabled();
  await pages.getByRole("link", { name: "Previous" }).click();
  await expect(pages).toContainText("Rotators 1–50 of 55");
});
