import { expect, type Locator, type Page } from "@playwright/test";

/** /settings/webhooks (admin): add a webhook (its secret is shown once), Send test, the delivery log. */
export class WebhooksPage {
  readonly addForm: Locator;
  readonly deliveries: Locator;

  constructor(readonly page: Page) {
    this.addForm = page.getByRole("form", { name: "Add webhook" });
    this.deliveries = page.getByRole("table", { name: "Deliveries" });
  }

  async goto() {
    await this.page.goto("/settings/webhooks");
    await expect(this.page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
  }

  /** Adds a webhook and returns its signing secret (shown this once). */
  async add(webhook: { name: string; url: string; events?: string[] }): Promise<string> {
    await this.addForm.getByLabel("Name").fill(webhook.name);
    await this.addForm.getByLabel("URL").fill(webhook.url);
    if (webhook.events) {
      for (const box of await this.addForm.getByRole("checkbox").all()) await box.uncheck();
      for (const event of webhook.events) await this.addForm.getByRole("checkbox", { name: new RegExp(`^${event.replace(".", "\\.")} `) }).check();
    }
    await this.addForm.getByRole("button", { name: "Add webhook" }).click();
    await expect(this.addForm.getByRole("status").first()).toHaveText(`Added ${webhook.name}.`);
    return (await this.addForm.getByTestId("webhook-secret").textContent())!;
  }

  row(name: string): Locator {
    return this.page.getByTestId(`webhook-row-${name}`);
  }

  async sendTest(name: string) {
    await this.row(name).getByRole("button", { name: "Send test" }).click();
  }

  deliveryRows(event: string): Locator {
    return this.deliveries.getByTestId("delivery-row").filter({ hasText: event });
  }
}
