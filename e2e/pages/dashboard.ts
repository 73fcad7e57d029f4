import { expect, type Locator, type Page } from "@playwright/test";

/** The signed-in shell around every dashboard page: main navigation, who is signed in, sign out. */
export class Dashboard {
  readonly nav: Locator;
  readonly currentUser: Locator;
  readonly signOutButton: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole("navigation", { name: "Main" });
    this.currentUser = page.getByTestId("current-user");
    this.signOutButton = page.getByRole("button", { name: "Sign out" });
  }

  /** Asserts the page is the signed-in dashboard for this user and role ("alice@idp.test · admin"). */
  async expectSignedInAs(email: string, role?: string) {
    await expect(this.currentUser).toHaveText(role ? `${email} · ${role}` : new RegExp(`^${email.replace(/[.+]/g, "\\$&")} · `));
  }

  async signOut() {
    await this.signOutButton.click();
    await expect(this.page).toHaveURL(/\/login/);
  }
}
