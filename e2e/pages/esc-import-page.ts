import { expect, type Locator, type Page } from "@playwright/test";

/** /environments/import: "Import from Pulumi ESC" — files pasted or uploaded, Preview, Create. */
export class EscImportPage {
  readonly form: Locator;
  readonly preview: Locator;
  readonly problems: Locator;
  readonly notes: Locator;
  readonly createButton: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole("form", { name: "ESC definitions" });
    this.preview = page.getByRole("region", { name: "Preview" });
    this.problems = page.getByRole("region", { name: "Problems" });
    this.notes = page.getByRole("region", { name: "Notes" });
    this.createButton = this.form.getByRole("button", { name: "Create", exact: true });
  }

  async openFromEnvironments() {
    await this.page.goto("/environments");
    await this.page.getByRole("link", { name: "Import from Pulumi ESC" }).click();
    await expect(this.page.getByRole("heading", { name: "Import from Pulumi ESC", level: 1 })).toBeVisible();
  }

  private file(index: number): Locator {
    return this.form.getByRole("group", { name: `File ${index + 1}` });
  }

  /** Fills file slot `index` (adding slots as needed) by pasting the YAML. */
  async paste(index: number, file: { name: string; environment?: string; content: string }) {
    while ((await this.form.getByRole("group").count()) <= index) await this.form.getByRole("button", { name: "Add another file" }).click();
    const slot = this.file(index);
    await slot.getByLabel("File name", { exact: true }).fill(file.name);
    if (file.environment) await slot.getByLabel(/^Environment name/).fill(file.environment);
    await slot.getByLabel("Definition (YAML)").fill(file.content);
  }

  /** Fills file slot `index` through the upload input. */
  async upload(index: number, file: { name: string; content: string; environment?: string }) {
    while ((await this.form.getByRole("group").count()) <= index) await this.form.getByRole("button", { name: "Add another file" }).click();
    const slot = this.file(index);
    await slot.getByLabel("Or upload a file").setInputFiles({ name: file.name, mimeType: "text/yaml", buffer: Buffer.from(file.content) });
    await expect(slot.getByLabel("Definition (YAML)")).toHaveValue(file.content);
    if (file.environment) await slot.getByLabel(/^Environment name/).fill(file.environment);
  }

  async previewNow() {
    await this.form.getByRole("button", { name: "Preview" }).click();
    await expect(this.preview).toBeVisible();
  }
}
