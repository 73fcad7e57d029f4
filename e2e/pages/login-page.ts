import { expect, type Locator, type Page } from "@playwright/test";

/** /login: email + password form, and the single sign-on button when OIDC is configured. */
export class LoginPage {
  readonly form: Locator;
  readonly email: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  /** The form's error ("Wrong email or password…"). */
  readonly error: Locator;
  /** The notice above the form (e.g. "Your session is no longer valid…"). */
  readonly notice: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole("form", { name: "Sign in with email and password" });
    this.email = this.form.getByLabel("Email");
    this.password = this.form.getByLabel("Password");
    this.submit = this.form.getByRole("button", { name: "Sign in" });
    this.error = this.form.getByRole("alert");
    this.notice = page.getByRole("status");
  }

  async goto(query = "") {
    await this.page.goto(`/login${query}`);
    await expect(this.page.getByRole("heading", { name: "Sign in to Rotor" })).toBeVisible();
  }

  ssoButton(name: string): Locator {
    return this.page.getByRole("button", { name: `Sign in with ${name}` });
  }

  /** Submits the form; the caller asserts where that led (overview or an error). */
  async signIn(email: string, password: string) {
    await this.email.fill(email);
    await this.password.fill(password);
    await this.submit.click();
  }

  /** Submits and waits until the answer is on the form (the previous error stays visible until then). */
  async signInAndWaitForAnswer(email: string, password: string): Promise<string> {
    await this.email.fill(email);
    await this.password.fill(password);
    await Promise.all([
      this.page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/login"),
      this.submit.click(),
    ]);
    await expect(this.submit).toHaveText("Sign in");
    await expect(this.error).toBeVisible();
    return (await this.error.textContent()) ?? "";
  }

  /** The second step of a two-factor sign-in. */
  get codeForm(): Locator {
    return this.page.getByRole("form", { name: "Two-factor sign-in" });
  }

  async submitCode(code: string) {
    await expect(this.codeForm).toBeVisible();
    await this.codeForm.getByLabel("Authentication code").fill(code);
    await this.codeForm.getByRole("button", { name: "Verify" }).click();
  }

  async expectOnPage() {
    await expect(this.page).toHaveURL(/\/login(\?|$)/);
    await expect(this.page.getByRole("heading", { name: "Sign in to Rotor" })).toBeVisible();
  }
}
