/**
 * Pulumi ESC import and export the three ways users reach Rotor: the "Import from Pulumi ESC" page (paste or
 * upload, preview, create; problems by file:line and nothing created), the environment page's export button,
 * and `rotor import esc` / `rotor export esc` (the built CLI against this run's Rotor).
 */
import fs from "node:fs";
import path from "node:path";
import { test, expect } from "./fixtures";
import { FIRST_ADMIN } from "./support/accounts";
import { EscImportPage } from "./pages/esc-import-page";
import { ForbiddenPage } from "./pages/forbidden-page";
import { buildCli, type BuiltCli } from "../test/support/rotor-cli";

const fixtures = path.resolve(__dirname, "../test/fixtures/esc");
const read = (file: string) => fs.readFileSync(path.join(fixtures, file), "utf8");
const suffix = Date.now().toString(36);

test.describe.configure({ mode: "serial" });

test("the import page previews (with what was copied and from where), refuses an ESC ciphertext, then creates", async ({ adminPage }) => {
  const page = new EscImportPage(adminPage);
  await page.openFromEnvironments();
  const credentials = `creds-${suffix}`;
  const app = `app-${suffix}`;
  await page.paste(0, { name: "managingCredentials.yaml", environment: credentials, content: read("managingCredentials.yaml") });
  await page.upload(1, { name: "password.yaml", environment: app, content: `imports:\n  - ${credentials}\n${read("password.yaml")}` });
  await page.previewNow();
  await expect(page.preview.getByRole("heading", { name: `Would create environment ${app} (from password.yaml)` })).toBeVisible();
  const contents = page.preview.getByRole("table", { name: `Contents of ${app}` });
  await expect(contents.getByRole("row", { name: /rotator mypassphrase passphrase, state imported \(current\)/ })).toBeVisible();
  await expect(contents.getByRole("row", { name: /value managingUser\.password secret \(copied from/ })).toBeVisible();
  await expect(contents.getByRole("row", { name: /exported variable APP_PASSWORD \$\{mypassword\.current\.password\}/ })).toBeVisible();
  await expect(page.notes).toContainText("copied from");
  await expect(page.preview.getByRole("table", { name: "AWS logins" })).toContainText(`${credentials} awsLogin`);
  // The preview never shows a secret value.
  await expect(page.preview).not.toContainText("managing-password-from-docs");
  await expect(page.preview).not.toContainText("Mouth%Purebred");

  // A change after the preview must be previewed again before Create.
  await expect(page.createButton).toBeEnabled();
  await page.paste(2, { name: "c.yaml", environment: `bad-${suffix}`, content: read("ciphertext.yaml") });
  await expect(page.createButton).toBeDisabled();
  await page.previewNow();
  await expect(page.problems).toContainText("c.yaml:5 values.managingUser.password: This secret is encrypted by Pulumi ESC");
  await expect(page.problems).toContainText("--definition --show-secrets");
  await expect(page.createButton).toBeDisabled();

  await page.form.getByRole("button", { name: "Remove file 3" }).click();
  await page.previewNow();
  await page.createButton.click();
  await expect(adminPage.getByRole("status").filter({ hasText: `Imported ${credentials}, ${app}` })).toBeVisible();
  await adminPage.goto("/environments");
  await expect(adminPage.getByRole("link", { name: app, exact: true })).toBeVisible();
  await expect(adminPage.getByRole("link", { name: `bad-${suffix}` })).toHaveCount(0);

  // The environment page's export: ESC YAML without secrets (and, for an admin, with them).
  await adminPage.getByRole("link", { name: app, exact: true }).click();
  const [download] = await Promise.all([adminPage.waitForEvent("download"), adminPage.getByRole("link", { name: "Export as Pulumi ESC" }).click()]);
  const yaml = fs.readFileSync((await download.path())!, "utf8");
  expect(yaml).toContain("fn::rotate::passphrase:");
  expect(yaml).toContain("APP_PASSWORD: ${mypassword.current}");
  expect(yaml).not.toContain("Mouth%Purebred%Headstone%Plausibly");
  const [full] = await Promise.all([adminPage.waitForEvent("download"), adminPage.getByRole("link", { name: "Export with secrets" }).click()]);
  expect(fs.readFileSync((await full.path())!, "utf8")).toContain("fn::secret: Mouth%Purebred%Headstone%Plausibly");
});

test("an operator may not import, nor export secrets", async ({ createUser, signInAs }) => {
  const operator = await signInAs(await createUser("operator"));
  await operator.goto("/environments");
  await expect(operator.getByRole("link", { name: "Import from Pulumi ESC" })).toHaveCount(0);
  await operator.goto("/environments/import");
  await new ForbiddenPage(operator).expectShown("admin");
  const response = await operator.request.get(`/environments/00000000-0000-0000-0000-000000000000/esc?showSecrets=true`);
  expect(response.status()).toBe(403);
});

test.describe("rotor import esc / export esc", () => {
  let cli: BuiltCli;
  test.beforeAll(() => {
    cli = buildCli();
  });
  test.afterAll(() => cli?.cleanup());

  test("dry run, import, export (with and without secrets), and the errors a script sees", async ({ harness }) => {
    const login = await cli.run(["login", harness.baseURL, "--email", FIRST_ADMIN.email, "--password-stdin"], { input: `${FIRST_ADMIN.password}\n` });
    expect(login.code, login.stderr).toBe(0);
    const dir = cli.home;
    fs.writeFileSync(path.join(dir, "managingCredentials.yaml"), read("managingCredentials.yaml"));
    fs.writeFileSync(path.join(dir, "db.yaml"), read("postgres-connector.yaml"));
    fs.writeFileSync(path.join(dir, "c.yaml"), read("ciphertext.yaml"));
    const names = ["--name", `managingCredentials.yaml=cli-creds-${suffix}`, "--name", `db.yaml=cli-db-${suffix}`];
    const files = [path.join(dir, "managingCredentials.yaml"), path.join(dir, "db.yaml")];

    const dry = await cli.run(["import", "esc", ...files, ...names, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`Would create environment cli-db-${suffix} (from ${files[1]})`);
    expect(dry.stdout).toMatch(/Would create connector PulumiEscSecretRotatorLambda-Function-abc\S* \(esc, arn:aws:lambda:us-west-2:111111111111:function:PulumiEscSecretRotatorLambda-Function-abc\)/);
    expect(dry.stdout).toMatch(/rotator dbRotator \(postgres\) via connector PulumiEscSecretRotatorLambda-Function-abc/);
    expect(dry.stderr).toContain("note: ");
    expect((await cli.run(["env", "get", `cli-db-${suffix}`, "values.x"])).code).toBe(5); // nothing created

    const refused = await cli.run(["import", "esc", path.join(dir, "c.yaml"), "--name", `c.yaml=cli-bad-${suffix}`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${path.join(dir, "c.yaml")}:5 values.managingUser.password: This secret is encrypted by Pulumi ESC`);

    const created = await cli.run(["import", "esc", ...files, ...names, "-o", "json"]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ ok: true, created: true, environments: [{ name: `cli-creds-${suffix}` }, { name: `cli-db-${suffix}` }] });

    const exported = await cli.run(["export", "esc", `cli-db-${suffix}`]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain("fn::rotate::postgres:");
    expect(exported.stdout).toContain("lambdaArn: arn:aws:lambda:us-west-2:111111111111:function:PulumiEscSecretRotatorLambda-Function-abc");
    expect(exported.stdout).not.toContain("managing-password-from-docs");
    expect(exported.stderr).toContain("Not in the file: ");
    const withSecrets = await cli.run(["export", "esc", `cli-db-${suffix}`, "--show-secrets", "--file", path.join(dir, "out.yaml")]);
    expect(withSecrets.code, withSecrets.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, "out.yaml"), "utf8")).toContain("fn::secret: managing-password-from-docs");
    expect(fs.statSync(path.join(dir, "out.yaml")).mode & 0o777).toBe(0o600);

    // A rotate-scoped service token (rotator.read) may export without secrets, never with them, and may not import.
    const token = await cli.run(["token", "create", `esc-${suffix}`, "--scope", "rotate", "--all-environments"]);
    expect(token.code, token.stderr).toBe(0);
    const asService = { env: { ROTOR_URL: harness.baseURL, ROTOR_TOKEN: token.stdout.trim() } };
    expect((await cli.run(["export", "esc", `cli-db-${suffix}`], asService)).code).toBe(0);
    const noSecrets = await cli.run(["export", "esc", `cli-db-${suffix}`, "--show-secrets"], asService);
    expect(noSecrets.code).toBe(4);
    const noImport = await cli.run(["import", "esc", ...files, "--dry-run"], asService);
    expect(noImport.code).toBe(4);
  });
});
