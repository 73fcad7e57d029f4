import { expect, type Locator, type Page } from "@playwright/test";

export interface NewServiceToken {
  name: string;
  scope: "read" | "rotate" | "admin";
  /** Environment names, or "all". */
  environments: string[] | "all";
  expiresOn?: string;
}

/** /settings/tokens: creating personal and (admins) service tokens, the one-time display, the list, revoking. */
export class ApiTokensPage {
  readonly form: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole("form", { name: "Create token" });
    this.table = page.getByRole("table", { name: "API tokens" });
  }

  async goto() {
    await this.page.goto("/settings/tokens");
    await expect(this.page.getByRole("heading", { name: "API tokens", level: 1 })).toBeVisible();
  }

  /** The token shown once after creation. */
  get shownToken(): Locator {
    return this.page.getByTestId("new-token").getByLabel("New token");
  }

  private async submitAndReadToken(): Promise<string> {
    await this.form.getByRole("button", { name: "Create token" }).click();
    await expect(this.shownToken).toHaveText(/^rtr_[A-Za-z0-9_-]{43}$/);
    return (await this.shownToken.textContent())!;
  }

  async createServiceToken(token: NewServiceToken): Promise<string> {
    await this.form.getByLabel("Service (for an application)").check();
    await this.form.getByLabel("Name").fill(token.name);
    await this.form.getByLabel("Scope").selectOption(token.scope);
    if (token.environments === "all") await this.form.getByLabel("All environments (also those created later)").check();
    else for (const name of token.environments) await this.form.getByLabel(name, { exact: true }).check();
    if (token.expiresOn) await this.form.getByLabel(/Expires on/).fill(token.expiresOn);
    return this.submitAndReadToken();
  }

  async createPersonalToken(name: string): Promise<string> {
    const personal = this.form.getByLabel("Personal (acts as you)");
    if (await personal.count()) await personal.check();
    await this.form.getByLabel("Name").fill(name);
    return this.submitAndReadToken();
  }

  row(name: string): Locator {
    return this.page.getByTestId(`token-row-${name}`);
  }

  /** Revoke → the confirmation dialog → Revoke token; waits until the list says revoked. */
  async revoke(name: string) {
    await this.row(name).getByRole("button", { name: "Revoke" }).click();
    const dialog = this.page.getByRole("dialog", { name: `Revoke ${name}?` });
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Revoke token" }).click();
    await expect(this.row(name)).toContainText("revoked");
  }
}
