/**
 * API tokens from the browser to an application: an admin creates a service token in Settings → API tokens,
 * an application (Playwright's HTTP client) opens an environment with it, the admin revokes it and the next
 * call is refused. And the canary: once created, the token's value is in no later page (HTML or RSC
 * payload), no audit entry and not in the server's log.
 */
import fs from "node:fs";
import type { APIRequestContext, Page, Response } from "@playwright/test";
import { test, expect } from "./fixtures";
import { ApiTokensPage } from "./pages/api-tokens-page";
import { EnvironmentPage } from "./pages/environment-page";
import { AuditPage } from "./pages/audit-page";
import { recordAction, replayAction } from "./support/server-actions";

const suffix = Date.now().toString(36);

const openEnvironment = (request: APIRequestContext, environment: string, token: string) =>
  request.get(`/api/v1/environments/${encodeURIComponent(environment)}/open`, { headers: { Authorization: `Bearer ${token}` } });

test("an admin creates a service token, an application opens an environment with it, and after revoking the next call is refused", async ({ adminPage, request }) => {
  const environment = `tokens-${suffix}`;
  await new EnvironmentPage(adminPage).create(environment);

  const tokens = new ApiTokensPage(adminPage);
  await tokens.goto();
  const token = await tokens.createServiceToken({ name: `deploy-${suffix}`, scope: "read", environments: [environment] });

  const opened = await openEnvironment(request, environment, token);
  expect(opened.status()).toBe(200);
  expect(await opened.json()).toMatchObject({ environment, revision: expect.any(Number) });
  // A read token cannot write.
  const write = await request.put(`/api/v1/environments/${encodeURIComponent(environment)}/values/region`, { headers: { Authorization: `Bearer ${token}` }, data: { value: "x" } });
  expect(write.status()).toBe(403);

  await tokens.goto();
  const row = tokens.row(`deploy-${suffix}`);
  await expect(row).toContainText(token.slice(0, 12));
  await expect(row).toContainText("read");
  await expect(row).toContainText(environment);
  await expect(row).toContainText("active");
  await expect(row.getByRole("cell").nth(6)).not.toHaveText("never"); // last used

  await tokens.revoke(`deploy-${suffix}`);
  const refused = await openEnvironment(request, environment, token);
  expect(refused.status()).toBe(401);
  expect(refused.headers()["content-type"]).toBe("application/problem+json");
  expect(await refused.json()).toMatchObject({ code: "auth:token-revoked" });
});

test("a viewer creates a personal token and sees only their own tokens; it carries the viewer's role", async ({ createUser, signInAs, request }) => {
  const viewer = await createUser("viewer");
  const page = await signInAs(viewer);
  const tokens = new ApiTokensPage(page);
  await tokens.goto();
  await expect(tokens.form.getByLabel("Service (for an application)")).toHaveCount(0);
  const token = await tokens.createPersonalToken(`laptop-${suffix}`);
  await page.reload();
  const names = await tokens.table.locator("tbody tr td:first-child").allTextContents();
  expect(names).toEqual([`laptop-${suffix}`]);
  const whoami = await request.get("/api/v1/whoami", { headers: { Authorization: `Bearer ${token}` } });
  expect(await whoami.json()).toMatchObject({ user: { email: viewer.email, role: "viewer" }, token: { kind: "personal", owner: viewer.email } });
});

test("token actions replayed by a viewer or without a session are refused and change nothing", async ({ adminPage, createUser, signInAs, newContext, request }) => {
  const tokens = new ApiTokensPage(adminPage);
  await tokens.goto();
  const original = `replayed-${suffix}`;
  let token = "";
  const create = await recordAction(adminPage, async () => {
    token = await tokens.createServiceToken({ name: original, scope: "admin", environments: "all" });
  });
  expect(create.body).toContain(original);
  await tokens.goto();
  const revoke = await recordAction(adminPage, () => tokens.revoke(original));

  const viewerPage = await signInAs(await createUser("viewer"));
  const anonymous = await newContext();
  expect(await replayAction(viewerPage.context(), create, { [original]: `by-viewer-${suffix}` })).toContain("Only admins create service tokens.");
  expect(await replayAction(anonymous, create, { [original]: `anonymous-${suffix}` })).toContain("Your session has ended. Sign in again.");
  await tokens.goto();
  await expect(tokens.row(`by-viewer-${suffix}`)).toHaveCount(0);
  await expect(tokens.row(`anonymous-${suffix}`)).toHaveCount(0);

  // Revoking someone else's token: a second admin token, and the viewer replays the revocation of it.
  const target = `target-${suffix}`;
  const targetToken = await tokens.createServiceToken({ name: target, scope: "read", environments: "all" });
  const targetId = await tokens.row(target).getAttribute("data-token-id");
  const revokedId = await tokens.row(original).getAttribute("data-token-id");
  expect(targetId).toMatch(/^[0-9a-f-]{36}$/);
  expect(await replayAction(viewerPage.context(), revoke, { [revokedId!]: targetId! })).toContain("There is no such token (or it is not yours to revoke).");
  expect(await replayAction(anonymous, revoke, { [revokedId!]: targetId! })).toContain("Your session has ended. Sign in again.");
  expect((await request.get("/api/v1/whoami", { headers: { Authorization: `Bearer ${targetToken}` } })).status()).toBe(200);
  expect((await request.get("/api/v1/whoami", { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(401);
});

/** Every response body the browser receives from Rotor from now on (documents, RSC payloads, actions). */
function recordResponses(page: Page, origin: string): { bodies: { url: string; text: string }[]; done: Promise<unknown>[] } {
  const record = { bodies: [] as { url: string; text: string }[], done: [] as Promise<unknown>[] };
  page.on("response", (response: Response) => {
    if (!response.url().startsWith(origin)) return;
    record.done.push(
      response.text().then(
        (text) => record.bodies.push({ url: response.url(), text }),
        () => undefined, // redirects and aborted requests have no body
      ),
    );
  });
  return record;
}

test("canary: after creation the token is in no later page, no audit entry and not in the server log", async ({ adminPage, request, harness }) => {
  const environment = `canary-${suffix}`;
  const env = new EnvironmentPage(adminPage);
  await env.create(environment);
  const environmentUrl = adminPage.url();
  const tokens = new ApiTokensPage(adminPage);
  await tokens.goto();
  const token = await tokens.createServiceToken({ name: `canary-${suffix}`, scope: "admin", environments: "all" });

  // Use it (audited opens, a token use, a refused write with a bad body), then revoke it (audited, and
  // every later use is refused and audited).
  expect((await openEnvironment(request, environment, token)).status()).toBe(200);
  expect((await request.put(`/api/v1/environments/${encodeURIComponent(environment)}/values/key`, { headers: { Authorization: `Bearer ${token}` }, data: { value: 1 } })).status()).toBe(400);

  const seen = recordResponses(adminPage, harness.baseURL);
  await tokens.goto();
  await tokens.revoke(`canary-${suffix}`);
  expect((await openEnvironment(request, environment, token)).status()).toBe(401);
  // Client-side navigation (RSC payloads) and full loads of the pages that show tokens, consumers and audit.
  await adminPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API reference" }).click();
  await expect(adminPage.getByRole("heading", { name: "API reference", level: 1 })).toBeVisible();
  await adminPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API tokens" }).click();
  await expect(tokens.row(`canary-${suffix}`)).toContainText("revoked");
  await adminPage.goto(environmentUrl);
  await expect(adminPage.getByRole("table", { name: "Consumers" })).toContainText(`token canary-${suffix}`);
  const audit = new AuditPage(adminPage);
  await audit.goto();
  await audit.filter({ target: `canary-${suffix}` });
  await expect(audit.rows.first()).toBeVisible();
  await adminPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" }).click();
  await expect(adminPage.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  await Promise.all(seen.done);

  expect(seen.bodies.length).toBeGreaterThan(5);
  expect(seen.bodies.some((b) => b.text.includes(token.slice(0, 12)))).toBe(true); // the prefix is shown: the recording works
  for (const body of seen.bodies) expect(body.text.includes(token), `${body.url} must not contain the token`).toBe(false);
  // The audit log as a whole (CSV export of everything).
  const csv = await adminPage.request.get("/audit/export");
  expect(csv.status()).toBe(200);
  const csvText = await csv.text();
  expect(csvText).toContain(`canary-${suffix}`);
  expect(csvText).not.toContain(token);
  // The server's own log, as written so far.
  const log = fs.readFileSync(harness.serverLog, "utf8");
  expect(log.length).toBeGreaterThan(0);
  expect(log).not.toContain(token);
  expect(log).not.toContain(token.slice(12));
});
