import { expect, type Download, type Locator, type Page } from "@playwright/test";

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
}

/** /audit: the hash-chained audit log with filters, paging, CSV export and (admins) chain verification. */
export class AuditPage {
  readonly filters: Locator;
  readonly table: Locator;
  readonly rows: Locator;
  readonly verifyButton: Locator;
  readonly exportLink: Locator;

  constructor(readonly page: Page) {
    this.filters = page.getByRole("form", { name: "Filter audit events" });
    this.table = page.getByRole("table", { name: "Audit events" });
    this.rows = this.table.locator("tbody tr");
    this.verifyButton = page.getByRole("button", { name: "Verify chain" });
    this.exportLink = page.getByRole("link", { name: "Export CSV" });
  }

  async goto() {
    await this.page.goto("/audit");
    await expect(this.page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  }

  /** Filters through the form, as a user does (the filter lands in the URL). */
  async filter(filter: AuditFilter) {
    await this.filters.getByLabel("Actor", { exact: true }).fill(filter.actor ?? "");
    await this.filters.getByLabel("Action", { exact: true }).fill(filter.action ?? "");
    await this.filters.getByLabel("Target", { exact: true }).fill(filter.target ?? "");
    await this.filters.getByRole("button", { name: "Filter" }).click();
    await expect(this.page).toHaveURL(/\/audit\?/);
  }

  /** Rows with this action and outcome (columns: #, when, actor, action, outcome, target, details). */
  rowsFor(action: string, outcome?: "success" | "failure" | "denied"): Locator {
    let rows = this.rows.filter({ has: this.page.getByRole("cell", { name: action, exact: true }) });
    if (outcome) rows = rows.filter({ has: this.page.getByRole("cell", { name: outcome, exact: true }) });
    return rows;
  }

  async verifyChain(): Promise<Locator> {
    await this.verifyButton.click();
    const status = this.page.getByRole("status").filter({ hasText: /audit chain/ });
    await expect(status).toBeVisible();
    return status;
  }

  async exportCsv(): Promise<Download> {
    const [download] = await Promise.all([this.page.waitForEvent("download"), this.exportLink.click()]);
    return download;
  }
}
