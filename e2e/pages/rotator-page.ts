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
    await f.getByLabel("Host", { exact: true }).fill(fields.host);
    await f.getByLabel("Port", { exact: true }).fill(String(fields.port));
    if (fields.database !== undefined) await f.getByLabel("Database", { exact: true }).fill(fields.database);
    await f.getByLabel("TLS", { exact: true }).selectOption(fields.tls);
    await f.getByLabel("Managing user", { exact: true }).fill(fields.managingUser);
    await f.getByLabel("Managing password", { exact: true }).fill(fields.managingPassword);
    await f.getByLabel("User 1", { exact: true }).fill(fields.user1);
    await f.getByLabel("User 2", { exact: true }).fill(fields.user2);
  }

  async testConnection() {
    await this.form.getByRole("button", { name: "Test connection" }).click();
  }

  async create() {
    await this.form.getByRole("button", { name: "Create rotator" }).click();
    await expect(this.page).toHaveURL(/\/rotators\/[0-9a-f-]{36}$/);
  }

  /** Create rotator when Check rotation fails: the checklist is shown, nothing is saved until "Save anyway". */
  async createAnyway(): Promise<Locator> {
    await this.form.getByRole("button", { name: "Create rotator" }).click();
    const checklist = this.form.getByRole("region", { name: "Check rotation result" });
    await expect(checklist).toBeVisible();
    await checklist.getByRole("button", { name: "Save anyway" }).click();
    await expect(this.page).toHaveURL(/\/rotators\/[0-9a-f-]{36}$/);
    return checklist;
  }

  /** "Check rotation" on the rotator page: the checklist it answers. */
  async checkRotation(): Promise<Locator> {
    await this.page.getByRole("button", { name: "Check rotation" }).click();
    const result = this.page.getByRole("region", { name: "Check rotation result" });
    await expect(result).toBeVisible({ timeout: 30_000 });
    return result;
  }

  /** One line of a checklist, by its stable id ("reach", "privilege:app1", …). */
  checkLine(checklist: Locator, id: string): Locator {
    return checklist.locator(`[data-check="${id}"]`);
  }

  get rotateNowButton(): Locator {
    return this.page.getByRole("button", { name: "Rotate now" });
  }

  /** Rotate now → confirm → waits for the live progress to report the run's end. */
  async rotateNow(): Promise<Locator> {
    await this.rotateNowButton.click();
    await this.page.getByRole("dialog").getByRole("button", { name: "Rotate", exact: true }).click();
    // The live progress of this run (the run history further down lists earlier runs).
    const run = this.page.getByTestId("live-run");
    // The run's own status (its steps have status badges too).
    await expect(run.getByTestId("run-status")).toHaveAttribute("data-run-status", /^(succeeded|failed)$/, { timeout: 30_000 });
    return run;
  }

  revealButton(which: "current" | "previous"): Locator {
    return this.page.getByRole("button", { name: `Reveal ${which}` });
  }

  /** The rotator's configuration as labelled fields (label → shown value). */
  async configuration(): Promise<Record<string, string>> {
    const rows = this.page.getByTestId("rotator-configuration").locator("div");
    await expect(rows.first()).toBeVisible();
    const pairs = await rows.evaluateAll((divs) => divs.map((d) => [d.querySelector("dt")?.textContent ?? "", d.querySelector("dd")?.textContent ?? ""]));
    return Object.fromEntries(pairs);
  }

  copyButton(which: "current" | "previous"): Locator {
    return this.page.getByTestId(`credential-${which}`).getByRole("button", { name: /^(Copy|Copied)/ });
  }

  /** Picks what Copy copies ("Connection string", "Environment lines", …) and presses it. */
  async copy(which: "current" | "previous", format?: string) {
    if (format) await this.page.getByLabel(`Copy ${which} as`).selectOption({ label: format });
    await this.copyButton(which).click();
  }

  async reveal(which: "current" | "previous"): Promise<{ username: string; password: string }> {
    await this.revealButton(which).click();
    const password = this.page.getByTestId(`${which}-password`);
    await expect(password).not.toHaveText(/•/);
    return { username: (await this.page.getByTestId(`${which}-username`).textContent())!, password: (await password.textContent())! };
  }
}
