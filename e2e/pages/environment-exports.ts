import { expect, type Locator, type Page } from "@playwright/test";

/** The environment page's exported variables (table and editor) and its consumers. */
export class EnvironmentExports {
  readonly editor: Locator;
  readonly table: Locator;
  readonly consumers: Locator;

  constructor(readonly page: Page) {
    this.editor = page.getByRole("form", { name: "Exported variables" });
    this.table = page.getByRole("table", { name: "Exported variables" });
    this.consumers = page.getByRole("table", { name: "Consumers" });
  }

  nameField(index: number): Locator {
    return this.editor.getByLabel(`Variable ${index + 1} name`);
  }

  valueField(index: number): Locator {
    return this.editor.getByLabel(`Variable ${index + 1} value`);
  }

  /** Fills row `index` (adding rows as needed) without saving. */
  async fill(index: number, name: string, template: string) {
    while ((await this.editor.getByTestId("export-row").count()) <= index) await this.editor.getByRole("button", { name: "Add variable" }).click();
    await this.nameField(index).fill(name);
    await this.valueField(index).fill(template);
  }

  async save() {
    await this.editor.getByRole("button", { name: "Save exported variables" }).click();
  }

  /** The validation message a field is described by (what a screen reader announces with it). */
  async errorOf(field: Locator): Promise<Locator> {
    await expect(field).toHaveAttribute("aria-invalid", "true");
    const id = await field.getAttribute("aria-describedby");
    return this.page.locator(`[id="${id}"]`);
  }

  variableRow(name: string): Locator {
    return this.page.getByTestId(`export-${name}`);
  }

  consumerRow(label: string): Locator {
    return this.page.getByTestId(`consumer-${label}`);
  }
}
