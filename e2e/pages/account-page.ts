import { expect, type Locator, type Page } from "@playwright/test";

/** /account: the signed-in user's password, second factor and sessions. */
export class AccountPage {
  readonly sessions: Locator;
  readonly signOutEverywhereButton: Locator;
  readonly changePasswordForm: Locator;

  constructor(readonly page: Page) {
    this.sessions = page.getByRole("table", { name: "Active sessions" });
    this.signOutEverywhereButton = page.getByRole("button", { name: "Sign out everywhere" });
    this.changePasswordForm = page.getByRole("form", { name: "Change password" });
  }

  /** Fills and submits "Change my password"; the caller asserts the outcome on `changePasswordForm`. */
  async changePassword(current: string, next: string, confirm = next) {
    await fillChangePassword(this.changePasswordForm, current, next, confirm);
    await this.changePasswordForm.getByRole("button", { name: "Change my password" }).click();
  }

  async goto() {
    await this.page.goto("/account");
    await expect(this.page.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();
  }

  /** Rows of the sessions table: this one is marked "this session". */
  get currentSession(): Locator {
    return this.sessions.getByTestId("session-current");
  }

  get otherSessions(): Locator {
    return this.sessions.getByTestId("session-other");
  }

  /** Sets up two-factor sign-in with the code `codeFor(secret)` gives; returns the secret and the recovery codes shown once. */
  async enableTwoFactor(codeFor: (secret: string) => Promise<string>): Promise<{ secret: string; recoveryCodes: string[] }> {
    await this.page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
    const secret = ((await this.page.getByLabel("Secret", { exact: true }).textContent()) ?? "").trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await expect(this.page.getByLabel("otpauth URI")).toContainText(`secret=${secret}`);
    const confirm = this.page.getByRole("form", { name: "Confirm two-factor sign-in" });
    await confirm.getByLabel("Code from the app").fill(await codeFor(secret));
    await confirm.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
    await expect(this.page.getByRole("status").filter({ hasText: "Two-factor sign-in is on." })).toBeVisible();
    const recoveryCodes = ((await this.page.getByLabel("Recovery codes").textContent()) ?? "").trim().split("\n");
    return { secret, recoveryCodes };
  }

  async signOutEverywhere() {
    await this.signOutEverywhereButton.click();
    await expect(this.page).toHaveURL(/\/login/);
  }

  async signOutOtherSession(row: Locator) {
    await row.getByRole("button", { name: /^Sign out/ }).click();
    await expect(row.getByRole("status")).toHaveText("Session signed out.").catch(() => undefined);
  }
}

export async function fillChangePassword(form: Locator, current: string, next: string, confirm = next) {
  await form.getByLabel("Current password").fill(current);
  await form.getByLabel("New password", { exact: true }).fill(next);
  await form.getByLabel("Confirm new password").fill(confirm);
}

/** /change-password: where a user whose password an admin reset is held until they choose a new one. */
export class ChangePasswordPage {
  readonly form: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole("form", { name: "Change password" });
  }

  async expectOnPage() {
    await expect(this.page).toHaveURL(/\/change-password$/);
    await expect(this.page.getByRole("heading", { name: "Change your password" })).toBeVisible();
  }

  async change(current: string, next: string) {
    await fillChangePassword(this.form, current, next);
    await this.form.getByRole("button", { name: "Change password and continue" }).click();
  }
}
