/**
 * Roles are checked on the server for every page, server action and route handler: a viewer who finds an
 * admin page's URL, or replays an admin's server action request, is refused and the attempt is audited.
 */
import { test, expect } from "./fixtures";
import { uniqueEmail } from "./support/accounts";
import { ForbiddenPage } from "./pages/forbidden-page";
import { SettingsPage } from "./pages/settings-page";
import { AuditPage } from "./pages/audit-page";

test("a viewer opening the admin settings page gets the forbidden page", async ({ createUser, signInAs }) => {
  const viewer = await createUser("viewer");
  const page = await signInAs(viewer);
  await page.goto("/settings");
  await new ForbiddenPage(page).expectShown("admin");
});

test("a viewer sees the audit log but not the admin's Verify chain button", async ({ createUser, signInAs }) => {
  const viewer = await createUser("viewer");
  const audit = new AuditPage(await signInAs(viewer));
  await audit.goto();
  await expect(audit.table).toBeVisible();
  await expect(audit.verifyButton).toHaveCount(0);
});

test("an admin server action replayed by a viewer is refused and creates nothing", async ({ adminPage, createUser, signInAs, newContext }) => {
  // Record the exact request the browser sends when the admin adds a user (a server action POST).
  const settings = new SettingsPage(adminPage);
  await settings.goto();
  const original = { email: uniqueEmail("replay-original"), role: "viewer" as const, password: "replayed-password-123" };
  const [request] = await Promise.all([
    adminPage.waitForRequest((r) => r.method() === "POST" && Boolean(r.headers()["next-action"])),
    settings.addUser(original),
  ]);
  const actionId = request.headers()["next-action"];
  const contentType = request.headers()["content-type"];
  const body = request.postDataBuffer()!.toString("utf8");
  expect(body).toContain(original.email);

  const replay = async (context: Awaited<ReturnType<typeof newContext>>, email: string) => {
    const response = await context.request.post("/settings", {
      headers: { "Next-Action": actionId, "Content-Type": contentType, Accept: "text/x-component" },
      data: Buffer.from(body.replaceAll(original.email, email), "utf8"),
      maxRedirects: 0,
    });
    return { status: response.status(), text: await response.text() };
  };

  // The same request with the viewer's session cookie, for a new email, and with the role set to admin.
  const viewer = await createUser("viewer");
  const viewerPage = await signInAs(viewer);
  const escalated = uniqueEmail("replay-by-viewer");
  const asViewer = await replay(viewerPage.context(), escalated);
  expect(asViewer.text).toContain("You need the admin role to do this.");

  // Without any session at all.
  const anonymousEmail = uniqueEmail("replay-anonymous");
  const anonymous = await replay(await newContext(), anonymousEmail);
  expect(anonymous.text).toContain("Your session has ended. Sign in again.");

  // Neither replay created a user; the admin's own request did.
  await settings.goto();
  await expect(settings.row(original.email)).toBeVisible();
  await expect(settings.row(escalated)).toHaveCount(0);
  await expect(settings.row(anonymousEmail)).toHaveCount(0);

  // The viewer's attempt is in the audit log.
  const audit = new AuditPage(adminPage);
  await audit.goto();
  await audit.filter({ actor: viewer.email, action: "permission.denied" });
  await expect(audit.rowsFor("permission.denied", "denied")).toHaveCount(1);
  await expect(audit.rows.first()).toContainText('"attempted":"user.create"');
});

test("the CSV export route refuses a request without a session (401)", async ({ newContext }) => {
  const context = await newContext();
  const response = await context.request.get("/audit/export", { maxRedirects: 0 });
  expect(response.status()).toBe(401);
  expect(await response.json()).toEqual({ error: "Sign in first." });
});
