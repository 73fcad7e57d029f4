import { expect, type Locator, type Page } from "@playwright/test";

/** /environments and /environments/[id]: create an environment, list its rotators, rotate it. */
export class EnvironmentPage {
  readonly rotators: Locator;
  readonly rotateButton: Locator;
  /** The per-rotator outcome list of "Rotate environment". */
  readonly rotationResults: Locator;

  constructor(readonly page: Page) {
    this.rotators = page.getByRole("table", { name: "Rotators" });
    this.rotateButton = page.getByRole("button", { name: "Rotate environment" });
    this.rotationResults = page.getByRole("list", { name: "Environment rotation results" });
  }

  get createForm(): Locator {
    return this.page.getByRole("form", { name: "Create environment" });
  }

  /** Fills and submits "Create environment" without waiting for the outcome. */
  async submitCreate(name: string, description = "") {
    await this.page.goto("/environments");
    await this.createForm.getByLabel("Name").fill(name);
    await this.createForm.getByLabel("Description").fill(description);
    await this.createForm.getByRole("button", { name: "Create environment" }).click();
  }

  async create(name: string) {
    await this.submitCreate(name);
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

  /** Rotate environment → confirm; resolves when every rotator's result is final. */
  async rotateAll(rotatorCount: number) {
    await this.rotateButton.click();
    await this.page.getByRole("dialog").getByRole("button", { name: "Rotate all" }).click();
    const items = this.rotationResults.getByRole("listitem");
    await expect(items).toHaveCount(rotatorCount, { timeout: 30_000 });
    for (let i = 0; i < rotatorCount; i++) {
      await expect(items.nth(i).locator("[data-status]")).toHaveAttribute("data-status", /^(succeeded|failed|skipped)$/, { timeout: 30_000 });
    }
  }
}
