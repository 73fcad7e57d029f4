import { expect, type Locator, type Page } from "@playwright/test";

/** The "Schedule" section of a rotator or environment page: the editor, its next-runs preview, pause/resume. */
export class ScheduleEditor {
  readonly section: Locator;
  readonly nextRuns: Locator;
  readonly saveButton: Locator;
  readonly state: Locator;
  readonly summary: Locator;

  constructor(readonly page: Page) {
    this.section = page.getByRole("region", { name: "Schedule" });
    this.nextRuns = this.section.getByRole("table", { name: "Next runs" });
    this.saveButton = this.section.getByRole("button", { name: "Save schedule" });
    this.state = this.section.getByTestId("schedule-state");
    this.summary = this.section.getByTestId("schedule-summary");
  }

  field(label: "Kind" | "Time zone" | "Cron expression" | "Every" | "Unit" | "At" | "Date and time" | "Window (minutes)"): Locator {
    return this.section.getByLabel(label, { exact: true });
  }

  /** The validation message shown under the fields (as the user types). */
  get error(): Locator {
    return this.section.locator(".field-error[role=alert]");
  }

  async cron(expression: string, timeZone?: string) {
    await this.field("Kind").selectOption("cron");
    await this.field("Cron expression").fill(expression);
    if (timeZone) await this.field("Time zone").fill(timeZone);
  }

  /** Next runs as [browser time, UTC], or [browser time, schedule's time, UTC] when the zones differ. */
  async nextRunRows(): Promise<string[][]> {
    const rows = this.nextRuns.locator("tbody tr");
    await expect(rows.first()).toBeVisible();
    return rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent ?? "")));
  }

  async save() {
    await this.saveButton.click();
    await expect(this.section.getByRole("status")).toHaveText("Schedule saved.");
  }

  async pause() {
    await this.section.getByRole("button", { name: "Pause" }).click();
    await expect(this.section.getByRole("status")).toHaveText("Schedule paused.");
    await expect(this.state).toHaveText("paused");
  }

  async resume() {
    await this.section.getByRole("button", { name: "Resume" }).click();
    await expect(this.section.getByRole("status")).toHaveText("Schedule resumed.");
    await expect(this.state).toHaveText("active");
  }
}
