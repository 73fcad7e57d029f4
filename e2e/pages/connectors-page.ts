import { expect, type Locator, type Page } from "@playwright/test";

/** /connectors and /connectors/[id]: add a connector (its secret is shown once), test it. */
export class ConnectorsPage {
  constructor(readonly page: Page) {}

  async goto() {
    await this.page.goto("/connectors");
    await expect(this.page.getByRole("heading", { name: "Connectors", level: 1 })).toBeVisible();
  }

  /** Adds a connector; returns the signing secret shown once (null for an ESC-compatible connector). */
  async add(fields: { name: string; mode: "rotor" | "esc"; functionArn: string; region: string; login: string }): Promise<string | null> {
    const form = this.page.getByRole("form", { name: "Add connector" });
    await form.getByLabel("Name", { exact: true }).fill(fields.name);
    await form.getByLabel("Handler").selectOption(fields.mode);
    await form.getByLabel("Function ARN").fill(fields.functionArn);
    await form.getByLabel("Region").fill(fields.region);
    await form.getByLabel("Login (invokes the function)").selectOption({ label: `${fields.login} (oidc)` });
    await form.getByRole("button", { name: "Add connector" }).click();
    await expect(this.page.getByRole("link", { name: `Open ${fields.name}` })).toBeVisible();
    if (fields.mode === "esc") {
      await expect(this.page.getByTestId("connector-secret")).toHaveCount(0);
      return null;
    }
    return (await this.page.getByTestId("connector-secret").getByLabel("Connector secret").textContent())!.trim();
  }

  async open(name: string) {
    await this.page.getByRole("link", { name: `Open ${name}` }).click();
    await expect(this.page.getByRole("heading", { name, level: 1 })).toBeVisible();
  }

  /** Clicks "Test connector" on the connector's page and returns the result box. */
  async test(): Promise<Locator> {
    const result = this.page.getByTestId("connector-test-result");
    await this.page.getByRole("button", { name: "Test connector" }).click();
    await expect(this.page.getByRole("button", { name: "Test connector" })).toBeEnabled({ timeout: 30_000 });
    await expect(result).toBeVisible();
    return result;
  }
}
