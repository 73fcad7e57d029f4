import { expect, type Locator, type Page } from "@playwright/test";

/** /environments and /environments/[id]: create an environment, list its rotators, rotate it. */
export class EnvironmentPage {
  readonly rotators: Locator;

  constructor(readonly page: Page) {
    this.rotators = page.getByRole("table", { name: "Rotators" });
  }

  async create(name: string) {
    await this.page.goto("/environments");
    const form = this.page.getByRole("form", { name: "Create environment" });
    await form.getByLabel("Name").fill(name);
    await form.getByRole("button", { name: "Create environment" }).click();
    await expect(this.page.getByRole("heading", { name, level: 1 })).toBeVisible();
  }

  rotatorRow(name: string): Locator {
    return this.rotators.getByRole("row").filter({ has: this.page.getByRole("link", { name, exact: true }) });
  }

  async addRotator(type: "postgres" | "mysql" | "aws-iam" | "password") {
    await this.page.getByRole("link", { name: "Add rotator" }).click();
    const labels = { postgres: "PostgreSQL user password", mysql: "MySQL / MariaDB user password", "aws-iam": "AWS IAM access key", password: "Generated password" };
    await this.page.getByRole("link", { name: labels[type] }).click();
    await expect(this.page.getByRole("form", { name: "New rotator" })).toBeVisible();
  }
}
