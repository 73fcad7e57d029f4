/**
 * The e2e test API: `import { test, expect } from "./fixtures"`.
 *
 * - `harness`       what global setup started (Rotor's URL, setup URL, IdP accounts, log paths)
 * - `newContext()`  a fresh browser context (its own cookies), closed after the test
 * - `adminPage`     a page signed in as the first admin (saved by first-run.setup.ts)
 * - `createUser()`  adds a local user with a unique email through the admin's Settings page
 * - `signInAs()`    password sign-in in a fresh context; resolves on the overview
 * - `signInWithSso()` sign-in through the test identity provider in a fresh context
 *
 * Specs share one server and one database: create the users you need rather than relying on other specs.
 */
import { test as base, expect, type BrowserContext, type BrowserContextOptions, type Page } from "@playwright/test";
import { readHarnessState, type HarnessState } from "./support/harness";
import { uniqueEmail } from "./support/accounts";
import { LoginPage } from "./pages/login-page";
import { SettingsPage } from "./pages/settings-page";
import { IdpLoginPage } from "./pages/idp-login-page";
import { Dashboard } from "./pages/dashboard";

export type Role = "admin" | "operator" | "viewer";

export interface TestUser {
  email: string;
  name: string;
  role: Role;
  password: string;
}

export const DEFAULT_PASSWORD = "e2e-password-0123456789";

interface Fixtures {
  harness: HarnessState;
  newContext: (options?: BrowserContextOptions) => Promise<BrowserContext>;
  adminPage: Page;
  createUser: (role: Role, overrides?: Partial<Omit<TestUser, "role">>) => Promise<TestUser>;
  signInAs: (user: Pick<TestUser, "email" | "password">) => Promise<Page>;
  signInWithSso: (login: string) => Promise<Page>;
}

export const test = base.extend<Fixtures>({
  harness: async ({}, use) => {
    await use(readHarnessState());
  },

  newContext: async ({ browser, harness }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (options = {}) => {
      const context = await browser.newContext({ baseURL: harness.baseURL, ...options });
      contexts.push(context);
      return context;
    });
    for (const context of contexts) await context.close();
  },

  adminPage: async ({ newContext, harness }, use) => {
    const context = await newContext({ storageState: harness.adminStatePath });
    await use(await context.newPage());
  },

  createUser: async ({ newContext, harness }, use) => {
    let settings: SettingsPage | undefined;
    await use(async (role, overrides = {}) => {
      if (!settings) {
        const context = await newContext({ storageState: harness.adminStatePath });
        settings = new SettingsPage(await context.newPage());
        await settings.goto();
      }
      const user: TestUser = {
        email: overrides.email ?? uniqueEmail(role),
        name: overrides.name ?? `E2E ${role}`,
        password: overrides.password ?? DEFAULT_PASSWORD,
        role,
      };
      await settings.addUser(user);
      return user;
    });
  },

  signInAs: async ({ newContext }, use) => {
    await use(async (user) => {
      const page = await (await newContext()).newPage();
      const login = new LoginPage(page);
      await login.goto();
      await login.signIn(user.email, user.password);
      await new Dashboard(page).expectSignedInAs(user.email);
      return page;
    });
  },

  signInWithSso: async ({ newContext, harness }, use) => {
    await use(async (login) => {
      const page = await (await newContext()).newPage();
      const loginPage = new LoginPage(page);
      await loginPage.goto();
      await loginPage.ssoButton(harness.oidc.name).click();
      await new IdpLoginPage(page).signInAndConsent(login);
      // Back at Rotor: the overview on success, the sign-in page with a notice when refused.
      await page.waitForURL((url) => url.origin === harness.baseURL && !url.pathname.startsWith("/api/auth"));
      return page;
    });
  },
});

export { expect };
