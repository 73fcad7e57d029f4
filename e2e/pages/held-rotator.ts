/**
 * A password rotator whose next rotation the lockout guard holds: policy "hold", rotated once, read by an
 * application (a read-scoped service token opens the environment), rotated again — so the application is a
 * revision behind and the next rotation would retire the password it still uses.
 */
import type { Page } from "@playwright/test";
import { expect } from "../fixtures";
import { EnvironmentPage } from "./environment-page";
import { RotatorPage } from "./rotator-page";
import { ApiTokensPage } from "./api-tokens-page";

export interface HeldRotator {
  environmentUrl: string;
  rotatorUrl: string;
  rotator: RotatorPage;
  /** The environment revision the application last read. */
  revision: number;
}

export async function prepareHeldRotator(page: Page, names: { environment: string; rotator: string; token: string }): Promise<HeldRotator> {
  const env = new EnvironmentPage(page);
  await env.create(names.environment);
  const environmentUrl = page.url();
  await env.addRotator("password");
  const rotator = new RotatorPage(page);
  await rotator.form.getByLabel("Name", { exact: true }).fill(names.rotator);
  await rotator.form.getByLabel("Lockout guard").selectOption("hold");
  await rotator.create();
  const rotatorUrl = page.url();
  await rotator.rotateNow();

  const tokens = new ApiTokensPage(page);
  await tokens.goto();
  const token = await tokens.createServiceToken({ name: names.token, scope: "read", environments: [names.environment] });
  const opened = await page.request.get(`/api/v1/environments/${encodeURIComponent(names.environment)}/open`, { headers: { Authorization: `Bearer ${token}` } });
  expect(opened.status()).toBe(200);
  const revision = (await opened.json()).revision as number;
  await page.goto(rotatorUrl);
  await rotator.rotateNow();
  return { environmentUrl, rotatorUrl, rotator, revision };
}
