import { expect, type Locator, type Page } from "@playwright/test";

export interface SqlRotatorFields {
  name: string;
  host: string;
  port: number;
  database?: string;
  tls: "disable" | "require" | "verify-full";
  managingUser: string;
  managingPassword: string;
  user1: string;
  user2: string;
}

/** The rotator form and the rotator detail page (credentials, Rotate now with live progress, run history). */
export class RotatorPage {
  readonly form: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole("form", { name: /New rotator|Edit rotator/ });
  }

  async fillSql(fields: SqlRotatorFields) {
    const f = this.form;
    await f.getByLabel("Name", { exact: true }).fill(fields.name);
    await f.getByLabel("Host").fill(fields.host);
    await f.getByLabel("Port").fill(String(fields.port));
    if (fields.database !== undefined) await f.getByLabel("Database").fill(fields.database);
    await f.getByLabel("TLS").selectOption(fields.tls);
    await f.getByLabel("Managing user").fill(fields.managingUser);
    await f.getByLabel("Managing password").fill(fields.managingPassword);
    await f.getByLabel("User 1").fill(fields.user1);
    await f.getByLabel("User 2").fill(fields.user2);
  }

  async testConnection() {
    await this.form.getByRole("button", { name: "Test connection" }).click();
  }

  async create() {
    await this.form.getByRole("button", { name: "Create rotator" }).click();
    await expect(this.page).toHaveURL(/\/rotators\/[0-9a-f-]{36}$/);
  }

  get rotateNowButton(): Locator {
    return this.page.getByRole("button", { name: "Rotate now" });
  }

  /** Rotate now → confirm → waits for the live progress to report the run's end. */
  async rotateNow(): Promise<Locator> {
    await this.rotateNowButton.click();
    await this.page.getByRole("dialog").getByRole("button", { name: "Rotate", exact: true }).click();
    const run = this.page.locator("[data-testid^='run-']").first();
    await expect(run.locator("[data-status='succeeded'], [data-status='failed']").first()).toBeVisible({ timeout: 30_000 });
    return run;
  }

  revealButton(which: "current" | "previous"): Locator {
    return this.page.getByRole("button", { name: `Reveal ${which}` });
  }

  async reveal(which: "current" | "previous"): Promise<{ username: string; password: string }> {
    await this.revealButton(which).click();
    const password = this.page.getByTestId(`${which}-password`);
    await expect(password).not.toHaveText(/•/);
    return { username: (await this.page.getByTestId(`${which}-username`).textContent())!, password: (await password.textContent())! };
  }
}
