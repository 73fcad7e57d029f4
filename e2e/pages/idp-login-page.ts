import { expect, type Page } from "@playwright/test";

/** The test identity provider's own pages (e2e/support/oidc-provider.ts): username login, then consent. */
export class IdpLoginPage {
  constructor(readonly page: Page) {}

  async expectShown() {
    await expect(this.page.getByRole("heading", { name: "Test IdP: sign in" })).toBeVisible();
  }

  /** Signs in as `login` and allows Rotor the requested scopes (the consent page appears on first use). */
  async signInAndConsent(login: string) {
    await this.expectShown();
    await this.page.getByLabel("Username").fill(login);
    await this.page.getByRole("button", { name: "Continue" }).click();
    await expect(this.page.getByRole("heading", { name: "Test IdP: authorize" })).toBeVisible();
    await this.page.getByRole("button", { name: "Allow" }).click();
  }
}
