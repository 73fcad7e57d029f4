import { expect, type Locator, type Page } from "@playwright/test";

/** /aws-logins and /aws-logins/[id]: add an AWS login, read what to paste into AWS, test it. */
export class AwsLoginsPage {
  constructor(readonly page: Page) {}

  async goto() {
    await this.page.goto("/aws-logins");
    await expect(this.page.getByRole("heading", { name: "AWS logins", level: 1 })).toBeVisible();
  }

  /** Adds an OpenID Connect login and lands on its page. */
  async addOidcLogin(fields: { name: string; roleArn: string; durationSeconds?: number }) {
    const form = this.page.getByRole("form", { name: "Add login" });
    await form.getByLabel("Name", { exact: true }).fill(fields.name);
    await form.getByLabel("Kind").selectOption("oidc");
    await form.getByLabel("Role ARN").fill(fields.roleArn);
    if (fields.durationSeconds) await form.getByLabel("Session duration (seconds)").fill(String(fields.durationSeconds));
    await form.getByRole("button", { name: "Add login" }).click();
    await expect(this.page).toHaveURL(/\/aws-logins\/[0-9a-f-]{36}$/);
    await expect(this.page.getByRole("heading", { name: fields.name, level: 1 })).toBeVisible();
  }

  /** The identity provider URL, audience and trust policy the login's page says to paste into AWS. */
  async awsSetup(): Promise<{ providerUrl: string; audience: string; trustPolicy: string }> {
    const section = this.page.getByRole("region", { name: "Set up in AWS" });
    return {
      providerUrl: (await section.getByTestId("provider-url").textContent())!,
      audience: (await section.getByTestId("provider-audience").textContent())!,
      trustPolicy: (await section.getByLabel("Trust policy").textContent())!,
    };
  }

  /** Clicks "Test login" and returns the result box. */
  async test(): Promise<Locator> {
    const result = this.page.getByTestId("login-test-result");
    await this.page.getByRole("button", { name: "Test login" }).click();
    await expect(this.page.getByRole("button", { name: "Test login" })).toBeEnabled({ timeout: 30_000 });
    await expect(result).toBeVisible();
    return result;
  }
}
