/**
 * Repeated wrong passwords slow down, then lock the account; the right password does not get through a lock;
 * an admin lifts it in Settings. The backoff is real time (1, 2, 4, 8, 8 s), so this test
 * waits as a guesser would.
 */
import { test, expect } from "./fixtures";
import { LoginPage } from "./pages/login-page";
import { SettingsPage } from "./pages/settings-page";
import { Dashboard } from "./pages/dashboard";

const WRONG = "Wrong email or password, or the account is disabled.";

test("wrong passwords back off, then lock the account until an admin lifts the lock", async ({ createUser, newContext, adminPage }) => {
  test.setTimeout(120_000);
  const user = await createUser("viewer");
  const page = await (await newContext()).newPage();
  const login = new LoginPage(page);
  await login.goto();

  let failures = 0;
  let sawBackoff = false;
  while (failures < 10) {
    const text = await login.signInAndWaitForAnswer(user.email, `wrong-password-${failures}`);
    const wait = /Wait (\d+) second/.exec(text);
    if (wait) {
      sawBackoff = true;
      await page.waitForTimeout(Number(wait[1]) * 1000 + 200);
      continue;
    }
    expect(text).toBe(WRONG);
    failures++;
  }
  expect(sawBackoff, "the fifth failure makes the next attempt wait").toBe(true);

  // Locked: even the right password is refused, and the message says what to do.
  const locked = await login.signInAndWaitForAnswer(user.email, user.password);
  expect(locked).toContain("Sign-in is locked after too many failed attempts");
  expect(locked).toContain("ask an admin to lift the lock");
  await login.expectOnPage();

  const settings = new SettingsPage(adminPage);
  await settings.goto();
  await settings.liftLock(`account ${user.email}`);

  await login.signIn(user.email, user.password);
  await new Dashboard(page).expectSignedInAs(user.email);
});
