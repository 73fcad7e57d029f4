import { expect, type Locator, type Page } from "@playwright/test";

/** / (the overview): counts by status, what needs attention, upcoming rotations, the chart, recent runs. */
export class OverviewPage {
  readonly attention: Locator;
  readonly upcoming: Locator;
  readonly chart: Locator;

  constructor(readonly page: Page) {
    this.attention = page.getByRole("table", { name: "Needs attention" });
    this.upcoming = page.getByRole("table", { name: "Upcoming rotations" });
    this.chart = page.getByRole("img", { name: /Rotations per day/ });
  }

  async goto() {
    await this.page.goto("/");
    await expect(this.page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  }

  count(status: string): Locator {
    return this.page.getByTestId(`count-${status}`);
  }

  attentionRow(rotatorName: string): Locator {
    return this.attention.getByRole("row").filter({ has: this.page.getByRole("link", { name: rotatorName, exact: true }) });
  }

  upcomingRow(name: string): Locator {
    return this.upcoming.getByRole("row").filter({ has: this.page.getByRole("link", { name, exact: true }) });
  }
}
