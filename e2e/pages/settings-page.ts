import { expect, type Locator, type Page } from "@playwright/test";

export interface NewUser {
  email: string;
  name?: string;
  role: "admin" | "operator" | "viewer";
  password: string;
}

/** /settings (admin only): the user list, adding users, changing roles, disabling. */
export class SettingsPage {
  readonly users: Locator;
  readonly addForm: Locator;

  constructor(readonly page: Page) {
    this.users = page.getByRole("table", { name: "Users" });
    this.addForm = page.getByRole("form", { name: "Add user" });
  }

  async goto() {
    await this.page.goto("/settings");
    await expect(this.page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  }

  row(email: string): Locator {
    return this.page.getByTestId(`user-row-${email}`);
  }

  /** Fills and submits "Add a user" without waiting for the outcome. */
  async submitNewUser(user: NewUser) {
    await this.addForm.getByLabel("Email").fill(user.email);
    await this.addForm.getByLabel("Name").fill(user.name ?? "");
    await this.addForm.getByLabel("Role").selectOption(user.role);
    await this.addForm.getByLabel("Initial password").fill(user.password);
    await this.addForm.getByRole("button", { name: "Add user" }).click();
  }

  async addUser(user: NewUser) {
    await this.submitNewUser(user);
    await expect(this.addForm.getByRole("status")).toHaveText(`Added ${user.email}.`);
    await expect(this.row(user.email)).toBeVisible();
  }

  async disableUser(email: string) {
    const row = this.row(email);
    await row.getByRole("button", { name: `Disable ${email}` }).click();
    await expect(row.getByRole("status")).toHaveText("User disabled.");
    await expect(row.getByRole("button", { name: `Enable ${email}` })).toBeVisible();
  }

  /** "Reset password" in a user's row; returns the generated temporary password (shown once) or the typed one. */
  async resetPassword(email: string, typed?: string): Promise<string> {
    const row = this.row(email);
    await row.getByText("Reset password", { exact: true }).click();
    const form = row.getByRole("form", { name: `Reset password of ${email}` });
    if (typed) await form.getByLabel(/Temporary password/).fill(typed);
    await form.getByRole("button", { name: `Reset password of ${email}` }).click();
    await expect(form.getByRole("status")).toContainText(`Password of ${email} reset.`);
    if (typed) return typed;
    return (await form.getByTestId("temporary-password").textContent())!.trim();
  }

  /** Lifts a sign-in lock ("account bob@…" or "address 203.0.113.9") from the Sign-in locks table. */
  async liftLock(label: string) {
    const table = this.page.getByRole("table", { name: "Sign-in locks" });
    const row = table.getByRole("row").filter({ hasText: label });
    await row.getByRole("button", { name: `Lift lock on ${label}` }).click();
    await expect(row.getByRole("status")).toHaveText("Lock lifted.").catch(() => undefined);
    await expect(table.getByRole("row").filter({ hasText: label })).toHaveCount(0);
  }

  /** Cells of a user's row: role and sign-in method as the table shows them. */
  async expectUser(email: string, expected: { role?: string; signIn?: "password" | "single sign-on"; status?: "active" | "disabled" }) {
    const cells = this.row(email).getByRole("cell");
    if (expected.role) await expect(cells.nth(2)).toHaveText(expected.role);
    if (expected.signIn) await expect(cells.nth(3)).toHaveText(expected.signIn);
    if (expected.status) await expect(cells.nth(4)).toHaveText(expected.status);
  }
}
