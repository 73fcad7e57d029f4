import { expect, type Locator, type Page } from "@playwright/test";

/** /account: the signed-in user's own sessions (and, later, password and second factor). */
export class AccountPage {
  readonly sessions: Locator;
  readonly signOutEverywhereButton: Locator;

  constructor(readonly page: Page) {
    this.sessions = page.getByRole("table", { name: "Active sessions" });
    this.signOutEverywhereButton = page.getByRole("button", { name: "Sign out everywhere" });
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

  async signOutEverywhere() {
    await this.signOutEverywhereButton.click();
    await expect(this.page).toHaveURL(/\/login/);
  }

  async signOutOtherSession(row: Locator) {
    await row.getByRole("button", { name: /^Sign out/ }).click();
    await expect(row.getByRole("status")).toHaveText("Session signed out.").catch(() => undefined);
  }
}
