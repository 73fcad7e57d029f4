import { expect, type Page } from "@playwright/test";

/** /forbidden: where a page the role does not allow sends the user. */
export class ForbiddenPage {
  constructor(readonly page: Page) {}

  async expectShown(requiredRole: string) {
    await expect(this.page).toHaveURL(new RegExp(`/forbidden\\?need=${requiredRole}$`));
    const alert = this.page.locator(".card[role=alert]");
    await expect(alert.getByRole("heading", { name: "Not allowed" })).toBeVisible();
    await expect(alert).toContainText(`it needs the ${requiredRole} role`);
  }
}
