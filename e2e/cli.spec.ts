/**
 * The `rotor` CLI against the real Rotor of this run: the built bundle (test/support/rotor-cli.ts builds
 * dist/rotor.mjs into a temporary directory) runs as a child process with its own HOME, like a user's
 * terminal or a CI job. Each command is exercised for what a user relies on — the output a script parses,
 * the exit code, the error Rotor's problem+json gives — and no token ever shows in any output except the
 * one `rotor token create` prints once.
 */
import fs from "node:fs";
import { test, expect, DEFAULT_PASSWORD } from "./fixtures";
import { FIRST_ADMIN } from "./support/accounts";
import { freePort } from "../test/support/ports";
import { buildCli, type BuiltCli, type CliResult, type CliRunOptions } from "../test/support/rotor-cli";

test.describe.configure({ mode: "serial" });

let cli: BuiltCli;
const outputs: { args: string[]; result: CliResult }[] = [];
/** Every token the spec handled: none may show in any output but the one `token create` printed. */
const tokensSeen: string[] = [];
const suffix = Date.now().toString(36);
const envName = `cli/${suffix}`;

test.beforeAll(() => {
  cli = buildCli();
});
test.afterAll(() => cli?.cleanup());

/** Runs the CLI signed in as whatever the credentials file holds (plus `env`), and keeps the output for the canary check. */
async function rotor(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  const result = await cli.run(args, options);
  outputs.push({ args, result });
  return result;
}

function storedToken(): string {
  const file = JSON.parse(fs.readFileSync(cli.credentialsFile, "utf8"));
  return file.servers[file.default].token;
}

test("login: a wrong password is refused (exit 3); --password-stdin stores a personal token 0600; whoami names the user", async ({ harness }) => {
  const wrong = await rotor(["login", harness.baseURL, "--email", FIRST_ADMIN.email, "--password-stdin"], { input: "not-the-password\n" });
  expect(wrong.code).toBe(3);
  expect(wrong.stderr).toMatch(/^rotor: .*(password|credentials)/i);
  expect(fs.existsSync(cli.credentialsFile)).toBe(false);

  const login = await rotor(["login", `${harness.baseURL}/`, "--email", FIRST_ADMIN.email, "--password-stdin", "--name", "e2e laptop"], { input: `${FIRST_ADMIN.password}\n` });
  expect(login.code, login.stderr).toBe(0);
  expect(login.stdout).toMatch(new RegExp(`^Signed in to ${harness.baseURL} as ${FIRST_ADMIN.email} \\(admin\\)\\. Token rtr_[\\w-]{8} saved in `));
  expect(fs.statSync(cli.credentialsFile).mode & 0o777).toBe(0o600);
  expect(storedToken()).toMatch(/^rtr_[A-Za-z0-9_-]{43}$/);
  tokensSeen.push(storedToken());

  const who = await rotor(["whoami"]);
  expect(who.code, who.stderr).toBe(0);
  expect(who.stdout).toContain(`${harness.baseURL}: ${FIRST_ADMIN.email} (admin)`);
  expect(who.stdout).toMatch(/token rtr_[\w-]{8} "e2e laptop" \(personal, from credentials file\)/);
  const json = JSON.parse((await rotor(["whoami", "-o", "json"])).stdout);
  expect(json).toMatchObject({ url: harness.baseURL, user: { email: FIRST_ADMIN.email, role: "admin" }, token: { kind: "personal", name: "e2e laptop" } });
});

test("ROTOR_URL and ROTOR_TOKEN override the credentials file", async ({ harness }) => {
  const bogus = await rotor(["whoami"], { env: { ROTOR_TOKEN: "rtr_thisisnotarealtoken0123456789abcdefghijklmno" } });
  expect(bogus.code).toBe(3);
  const elsewhere = await rotor(["env", "ls"], { env: { ROTOR_URL: "http://127.0.0.1:9" } });
  expect(elsewhere.code).toBe(3); // no token stored for that URL: not signed in there
  expect(elsewhere.stderr).toContain("Not signed in to http://127.0.0.1:9");
  const both = await rotor(["whoami"], { env: { ROTOR_URL: harness.baseURL, ROTOR_TOKEN: storedToken() } });
  expect(both.code).toBe(0);
  expect(both.stdout).toContain("from ROTOR_TOKEN");
});

test("env create, ls, set (plain and secret from stdin), export, open in every format, get, unset", async () => {
  const created = await rotor(["env", "create", envName, "--description", "made by the CLI spec"]);
  expect(created.code, created.stderr).toBe(0);
  expect(created.stdout).toMatch(new RegExp(`^Created environment ${envName} \\(revision \\d+\\)\\.`));

  const again = await rotor(["env", "create", envName]);
  expect(again.code).toBe(6);
  expect(again.stderr).toMatch(/^rotor: .+/);

  const invalid = await rotor(["env", "create", "bad name!"]);
  expect(invalid.code).toBe(2);
  expect(invalid.stderr).toMatch(/\n  name: Use letters, digits and \. _ - \//);

  const list = await rotor(["env", "ls", "-o", "json"]);
  const mine = JSON.parse(list.stdout).find((e: { name: string }) => e.name === envName);
  expect(mine).toMatchObject({ name: envName, description: "made by the CLI spec", rotators: 0 });
  expect((await rotor(["env", "ls"])).stdout).toMatch(new RegExp(`^${envName.replace("/", "\\/")}\\s+\\d+\\s+0\\s`, "m"));

  expect((await rotor(["env", "set", envName, "region", "eu-west-1"])).code).toBe(0);
  // A hostile secret: quotes, a dollar, a backslash, a newline — must round-trip exactly.
  const hostile = `it's "$HOME" \\ and\nmore`;
  const secret = await rotor(["env", "set", envName, "api_key", "--secret"], { input: hostile });
  expect(secret.code, secret.stderr).toBe(0);
  expect(secret.stdout).toMatch(new RegExp(`^Set api_key \\(secret\\) in ${envName}: revision \\d+\\.`));
  expect(secret.stdout).not.toContain("HOME");

  const exported = await rotor(["env", "export", envName, "REGION=${values.region}", "API_KEY=${values.api_key}"]);
  expect(exported.code, exported.stderr).toBe(0);
  expect(exported.stdout).toMatch(/^API_KEY\s+\$\{values\.api_key\}$/m);
  const unknown = await rotor(["env", "export", envName, "DB=${nope.current.password}"]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain("DB");

  const doc = JSON.parse((await rotor(["env", "open", envName])).stdout);
  expect(doc).toMatchObject({ environment: envName, values: { region: "eu-west-1", api_key: hostile }, exports: { REGION: "eu-west-1", API_KEY: hostile } });
  const shell = await rotor(["env", "open", envName, "--format", "shell"]);
  expect(shell.stdout).toContain("export REGION='eu-west-1'\n");
  const yaml = await rotor(["env", "open", envName, "--format", "yaml"]);
  expect(yaml.stdout).toMatch(/^environment: /m);
  const dotenv = await rotor(["env", "open", envName, "--format", "dotenv"]);
  expect(dotenv.stdout).toMatch(/^REGION=.eu-west-1.$/m);

  const get = await rotor(["env", "get", envName, "values.api_key"]);
  expect(get).toMatchObject({ code: 0, stdout: `${hostile}\n` });
  const missing = await rotor(["env", "get", envName, "values.nope"]);
  expect(missing.code).toBe(5);
  expect(missing.stderr).toContain("has no value \"nope\" (there is values.api_key, values.region)");

  // --revision opens an earlier revision: the one before the secret was set has no api_key.
  const pinned = JSON.parse((await rotor(["env", "open", envName, "--revision", String(doc.revision - 2)])).stdout);
  expect(pinned.values.api_key).toBeUndefined();

  // A value an exported variable uses cannot go (that would break every consumer): remove the export first.
  const used = await rotor(["env", "unset", envName, "region"]);
  expect(used.code).toBe(6);
  expect(used.stderr).toContain("REGION");
  const removed = await rotor(["env", "export", envName, "--remove", "REGION", "-o", "json"]);
  expect(JSON.parse(removed.stdout)).toEqual({ API_KEY: "${values.api_key}" });
  expect((await rotor(["env", "unset", envName, "region"])).code).toBe(0);
  expect((await rotor(["env", "get", envName, "values.region"])).code).toBe(5);
});

test("rotator create (inputs validated by the server, errors by field) and ls; env rotate --wait and history", async () => {
  const bad = await rotor(["rotator", "create", envName, "db", "--type", "postgres", "--input", "port=5432"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/\n  inputs\.host: Host is required\n/);
  expect(bad.stderr).toMatch(/\n  inputs\.managing: Managing user and Managing password are required\n/);

  const created = await rotor(["rotator", "create", envName, "signing", "--type", "password", "--input", "passwordRules.length=40", "--input", "passwordRules.symbols=false"]);
  expect(created.code, created.stderr).toBe(0);
  expect(created.stdout).toMatch(new RegExp(`^Created rotator signing \\(password\\) in ${envName}`));
  const list = JSON.parse((await rotor(["rotator", "ls", envName, "-o", "json"])).stdout);
  expect(list).toEqual([expect.objectContaining({ name: "signing", type: "password", inputs: expect.objectContaining({ passwordRules: expect.objectContaining({ length: 40 }) }) })]);
  expect((await rotor(["rotator", "ls", envName])).stdout).toMatch(/^signing\s+password\s+/m);

  const rotate = await rotor(["env", "rotate", envName, "signing", "--wait"]);
  expect(rotate.code, rotate.stderr).toBe(0);
  expect(rotate.stderr).toMatch(/signing: .+ succeeded/); // step lines (no terminal: one line per step)
  expect(rotate.stderr).toMatch(/✓ signing {2}succeeded in \d+\.\d s \(revision \d+\)/);
  // Bound to the revision it was made from, a second request does not rotate twice: refused with who rotated
  // it and when (the API's 409), exit 6.
  const stale = await rotor(["env", "rotate", envName, "signing", "--expected-revision", "1"]);
  expect(stale.code).toBe(6);
  expect(stale.stderr).toMatch(/signing: Rotated \d+ s ago by admin@rotor\.test; rotate again\?/);
  const password = (await rotor(["env", "get", envName, "signing.current.password"])).stdout.trim();
  expect(password).toMatch(/^[A-Za-z0-9]{40}$/);

  // A rotator whose target is unreachable: the run fails and --wait exits 1 with the reason.
  const port = await freePort();
  const inputs = { host: "127.0.0.1", port, tls: { mode: "disable" }, managing: { username: "m", password: "x" }, username1: "a", username2: "b", timeoutMs: 2000 };
  const inputsFile = `${cli.home}/db.json`;
  fs.writeFileSync(inputsFile, JSON.stringify(inputs));
  expect((await rotor(["rotator", "create", envName, "down_db", "--type", "postgres", "--inputs-file", inputsFile])).code).toBe(0);
  const failing = await rotor(["env", "rotate", envName, "down_db", "--wait", "-o", "json"]);
  expect(failing.code).toBe(1);
  expect(JSON.parse(failing.stdout).runs).toEqual([expect.objectContaining({ rotator: "down_db", status: "failed", error: expect.objectContaining({ message: expect.any(String) }) })]);
  expect(failing.stderr).toContain("1 of 1 rotation failed: down_db.");

  const history = await rotor(["env", "history", envName, "-o", "json"]);
  const runs = JSON.parse(history.stdout) as { rotator: string; status: string; trigger: string }[];
  expect(runs.slice(0, 2).map((r) => [r.rotator, r.status, r.trigger])).toEqual([
    ["down_db", "failed", "api"],
    ["signing", "succeeded", "api"],
  ]);
  expect((await rotor(["env", "history", envName, "--rotator", "signing"])).stdout).toMatch(/signing\s+succeeded\s+api/);
});

test("rotator rollback asks first, refuses a stale revision (exit 6), then makes the previous credential current again", async () => {
  const get = async (path: string) => (await rotor(["env", "get", envName, path])).stdout.trim();
  // Rotated once above (current only); once more so that there is a previous credential to go back to.
  expect((await rotor(["env", "rotate", envName, "signing", "--wait"])).code).toBe(0);
  const [current, previous] = [await get("signing.current.password"), await get("signing.previous.password")];
  expect(previous).toMatch(/^[A-Za-z0-9]{40}$/);
  expect(previous).not.toBe(current);

  const unconfirmed = await rotor(["rotator", "rollback", envName, "signing"]);
  expect(unconfirmed.code).toBe(2);
  expect(unconfirmed.stderr).toContain("Rolling back signing needs confirmation: add --yes.");
  const stale = await rotor(["rotator", "rollback", envName, "signing", "--yes", "--expected-revision", "1"]);
  expect(stale.code).toBe(6);
  expect(stale.stderr).toMatch(/Rotated \d+ s ago by admin@rotor\.test; roll back anyway\?/);
  const missing = await rotor(["rotator", "rollback", envName, "no_such", "--yes"]);
  expect(missing.code).toBe(5);
  expect(await get("signing.current.password")).toBe(current);

  const rolledBack = await rotor(["rotator", "rollback", envName, "signing", "--yes"]);
  expect(rolledBack.code, rolledBack.stderr).toBe(0);
  expect(rolledBack.stdout).toBe(`Rolled back signing in ${envName}: the previous credential is current again.\n`);
  expect([await get("signing.current.password"), await get("signing.previous.password")]).toEqual([previous, current]);
});

let serviceToken = "";
let serviceTokenId = "";

test("token create shows a service token once; it may read but not write; ls never shows it; revoke stops it at once", async ({ harness }) => {
  const noScope = await rotor(["token", "create", "ci", "--environment", envName]);
  expect(noScope.code).toBe(2);
  expect(noScope.stderr).toContain("--scope read, rotate or admin");

  const created = await rotor(["token", "create", `ci-${suffix}`, "--scope", "read", "--environment", envName, "--expires-in", "1d"]);
  expect(created.code, created.stderr).toBe(0);
  serviceToken = created.stdout.trim();
  tokensSeen.push(serviceToken);
  expect(serviceToken).toMatch(/^rtr_[A-Za-z0-9_-]{43}$/);
  expect(created.stderr).toContain(`service token "ci-${suffix}" (read on ${envName})`);
  expect(created.stderr).toContain("Rotor shows it only once");

  const listed = await rotor(["token", "ls", "-o", "json"]);
  const info = (JSON.parse(listed.stdout) as { id: string; name: string; prefix: string; scope: string }[]).find((t) => t.name === `ci-${suffix}`)!;
  expect(info).toMatchObject({ scope: "read", prefix: serviceToken.slice(0, 12) });
  serviceTokenId = info.id;
  expect((await rotor(["token", "ls"])).stdout).toMatch(new RegExp(`^${info.id}\\s+ci-${suffix}\\s+service\\s+${info.prefix}\\s+read\\s+${envName.replace("/", "\\/")}`, "m"));

  const asService = { env: { ROTOR_URL: harness.baseURL, ROTOR_TOKEN: serviceToken } };
  const open = await rotor(["env", "get", envName, "signing.current.password"], asService);
  expect(open.code, open.stderr).toBe(0);
  const write = await rotor(["env", "set", envName, "x", "1"], asService);
  expect(write.code).toBe(4);
  expect(write.stderr).toMatch(/^rotor: .+/);
  const otherEnv = await rotor(["env", "create", `cli-other-${suffix}`], asService);
  expect(otherEnv.code).toBe(4);

  expect((await rotor(["token", "revoke", serviceTokenId])).code).toBe(0);
  const revoked = await rotor(["env", "get", envName, "signing.current.password"], asService);
  expect(revoked.code).toBe(3);
  expect(revoked.stderr).toContain("sign in again with `rotor login <url>`, or use a new ROTOR_TOKEN");
});

test("a viewer's personal token lists environments but may not open them (exit 4)", async ({ harness, createUser }) => {
  const viewer = await createUser("viewer");
  const viewerCli = buildCli();
  try {
    const login = await viewerCli.run(["login", harness.baseURL, "--email", viewer.email, "--password-stdin"], { input: DEFAULT_PASSWORD });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`as ${viewer.email} (viewer)`);
    const file = JSON.parse(fs.readFileSync(viewerCli.credentialsFile, "utf8"));
    tokensSeen.push(file.servers[file.default].token);
    const list = await viewerCli.run(["env", "ls", "-o", "json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((e: { name: string }) => e.name)).toContain(envName);
    const open = await viewerCli.run(["env", "open", envName]);
    expect(open.code).toBe(4);
    expect(open.stdout).toBe("");
    outputs.push({ args: ["viewer"], result: login }, { args: ["viewer"], result: open });
  } finally {
    viewerCli.cleanup();
  }
});

test("env delete asks for confirmation without --yes (none possible without a terminal: exit 2)", async () => {
  const refused = await rotor(["env", "delete", envName]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("needs confirmation: add --yes");
  expect((await rotor(["env", "get", envName, "signing.current.password"])).code).toBe(0);
  const deleted = await rotor(["env", "delete", envName, "--yes"]);
  expect(deleted).toMatchObject({ code: 0, stdout: `Deleted environment ${envName}.\n` });
  expect((await rotor(["env", "open", envName])).code).toBe(5);
});

test("logout revokes the machine's token and forgets it", async ({ harness }) => {
  const token = storedToken();
  const logout = await rotor(["logout"]);
  expect(logout.code, logout.stderr).toBe(0);
  expect(logout.stdout).toMatch(/^Signed out of .+: rtr_[\w-]{8} revoked and removed/);
  expect(JSON.parse(fs.readFileSync(cli.credentialsFile, "utf8")).servers).toEqual({});
  const after = await rotor(["whoami"]);
  expect(after.code).toBe(3);
  const reused = await rotor(["whoami"], { env: { ROTOR_URL: harness.baseURL, ROTOR_TOKEN: token } });
  expect(reused.code).toBe(3);
  expect(reused.stderr).toContain("The token was revoked");
});

test("no token appears in any output, error or log line — except where token create shows one once", async () => {
  const secrets = tokensSeen;
  expect(secrets.length).toBeGreaterThanOrEqual(2);
  for (const { args, result } of outputs) {
    const text = result.stdout + result.stderr;
    const allowed = args[0] === "token" && args[1] === "create" ? result.stdout.trim() : null;
    for (const secret of secrets) {
      if (secret === allowed) continue;
      expect(text.includes(secret), `${args.join(" ")} printed a token`).toBe(false);
      expect(text.includes(secret.slice(12)), `${args.join(" ")} printed part of a token`).toBe(false);
    }
  }
});
