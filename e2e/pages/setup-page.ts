import { expect, type Locator, type Page } from "@playwright/test";

/** /setup: first-run creation of the first admin, guarded by the one-time token Rotor prints at start. */
export class SetupPage {
  readonly form: Locator;
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole("form", { name: "Create the first admin" });
    this.error = this.form.getByRole("alert");
  }

  /** Opens the page with the given URL (the printed setup URL) or path. */
  async goto(url = "/setup") {
    return this.page.goto(url);
  }

  async createAdmin(admin: { email: string; name: string; password: string; confirm?: string }) {
    await this.form.getByLabel("Email").fill(admin.email);
    await this.form.getByLabel("Name").fill(admin.name);
    await this.form.getByLabel("Password", { exact: true }).fill(admin.password);
    await this.form.getByLabel("Confirm password").fill(admin.confirm ?? admin.password);
    await this.form.getByRole("button", { name: "Create admin" }).click();
  }

  async expectRefused(message: string | RegExp) {
    await expect(this.page.getByRole("heading", { name: "Set up Rotor" })).toBeVisible();
    await expect(this.form).toHaveCount(0);
    await expect(this.page.locator(".card").getByRole("alert")).toContainText(message);
  }
}
