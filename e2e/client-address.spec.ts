/**
 * The audited client address is the connection's, not what the client claims (a client could otherwise
 * write any address into the audit log): without a trusted proxy (the default, as here), X-Forwarded-For is
 * ignored. Failed sign-ins of unknown accounts are audited with that address.
 */
import { test, expect } from "./fixtures";
import { LoginPage } from "./pages/login-page";
import { AuditPage } from "./pages/audit-page";

test("a failed sign-in is audited with the connection's address, not a forged X-Forwarded-For", async ({ newContext, adminPage }) => {
  const forged = "203.0.113.77";
  const page = await (await newContext({ extraHTTPHeaders: { "X-Forwarded-For": forged, "X-Real-IP": forged } })).newPage();
  const email = `nobody-${Date.now()}@rotor.test`;
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, "not-the-password-123");
  await expect(login.error).toHaveText("Wrong email or password, or the account is disabled.");

  const audit = new AuditPage(adminPage);
  await audit.goto();
  await audit.filter({ actor: email, action: "auth.sign_in" });
  const row = audit.rowsFor("auth.sign_in", "failure");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("127.0.0.1");
  await expect(row).not.toContainText(forged);
});
