/**
 * AWS logins and connectors from the browser, against the fake AWS that Rotor's server uses
 * (support/aws.ts: STS fetches Rotor's JWKS from its public URL; Lambda runs the real connector handler):
 * - an admin adds an OIDC login; "Test login" explains what is missing until the identity provider and role
 *   are created in AWS from exactly what the login's page says to paste; then it shows the assumed role;
 * - an admin adds a connector (secret shown once), the secret is deployed to the Lambda with the Lambda API,
 *   "Test" proves the handler holds it, and a PostgreSQL rotator rotates through the connector;
 * - a Pulumi ESC-compatible connector rotates too, with the verify step shown as skipped.
 */
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { LambdaClient, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { test, expect } from "./fixtures";
import { startPgCluster, type PgCluster } from "../test/support/pg-cluster";
import { EnvironmentPage } from "./pages/environment-page";
import { RotatorPage } from "./pages/rotator-page";
import { AwsLoginsPage } from "./pages/aws-logins-page";
import { ConnectorsPage } from "./pages/connectors-page";

let cluster: PgCluster;
const MANAGER = { username: "vpc_manager", password: "e2e-vpc-manager-password" };
const suffix = Date.now().toString(36);
const LOGIN = `aws-oidc-${suffix}`;
const ROLE = `rotor-e2e-${suffix}`;
const CONNECTOR = `vpc-${suffix}`;
const ESC_CONNECTOR = `esc-${suffix}`;
const envName = `e2e-vpc-${suffix}`;

test.beforeAll(async () => {
  // TLS on: Rotor's connector refuses plaintext database connections unless its Lambda allows them.
  cluster = await startPgCluster({ tls: true });
  await cluster.withSuperuser(async (c) => {
    await c.query(`create role ${MANAGER.username} login createrole password '${MANAGER.password}'`);
    for (const u of ["vpc_one", "vpc_two", "esc_one", "esc_two"]) await c.query(`create role ${u} login password 'initial-${u}'`);
  });
});

test.afterAll(async () => {
  await cluster?.stop();
});

test.describe.configure({ mode: "serial" });

test("an admin adds an OIDC login, sets it up in AWS from the generated trust policy, and tests it", async ({ adminPage, harness }) => {
  const { aws } = harness;
  const logins = new AwsLoginsPage(adminPage);
  await logins.goto();
  await expect(adminPage.getByTestId("issuer-url")).toHaveText(harness.baseURL);
  await logins.addOidcLogin({ name: LOGIN, roleArn: `arn:aws:iam::${aws.accountId}:role/${ROLE}` });
  const setup = await logins.awsSetup();
  expect(setup.providerUrl).toBe(harness.baseURL);
  expect(setup.audience).toBe("sts.amazonaws.com");

  // Nothing in AWS yet: the test says so.
  await expect(await logins.test()).toContainText("AWS does not trust this issuer");

  // The AWS administrator's part, through the IAM API, with what the page shows.
  const iam = new IAMClient({ region: aws.region, endpoint: aws.url, credentials: aws.adminCredentials });
  await iam.send(new CreateOpenIDConnectProviderCommand({ Url: setup.providerUrl, ClientIDList: [setup.audience] }));
  await expect(await logins.test()).toContainText("the role does not exist, or its trust policy does not allow");
  await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: setup.trustPolicy }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: ROLE,
      PolicyName: "rotor",
      PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: "*" }] }),
    }),
  );

  const result = await logins.test();
  await expect(result).toHaveClass(/alert-ok/);
  await expect(result).toContainText(`Login works: arn:aws:sts::${aws.accountId}:assumed-role/${ROLE}/`);
  await expect(result).toContainText("subject rotor:(test):(test)");

  // Rotor's issuer endpoints are public (AWS fetches them without credentials) and hold no secret.
  const jwks = await (await fetch(`${harness.baseURL}/.well-known/jwks.json`)).json();
  expect(jwks.keys.length).toBeGreaterThanOrEqual(2);
  for (const key of jwks.keys) expect(key.d).toBeUndefined();

  // These pages were at /logins (easily confused with sign-in at /login); an old link still lands here.
  const loginUrl = adminPage.url();
  await adminPage.goto(loginUrl.replace("/aws-logins/", "/logins/"));
  await expect(adminPage).toHaveURL(loginUrl);
});

test("an admin adds a connector, deploys its secret, tests it, and rotates a PostgreSQL user through it", async ({ adminPage, harness }) => {
  const { aws } = harness;
  const connectors = new ConnectorsPage(adminPage);
  await connectors.goto();
  const secret = await connectors.add({ name: CONNECTOR, mode: "rotor", functionArn: aws.connectorFunctionArn, region: aws.region, login: LOGIN });
  expect(secret).toMatch(/^rotor_cs_/);
  await connectors.open(CONNECTOR);
  // The secret is never shown again.
  expect(await adminPage.content()).not.toContain(secret!);
  await expect(adminPage.getByRole("region", { name: "Deployment guide" })).toContainText("lambda:InvokeFunction");

  // The Lambda does not have the secret yet: the handler refuses Rotor's request, and Rotor says what to fix.
  await expect(await connectors.test()).toContainText("ROTOR_CONNECTOR_SECRET");
  const lambda = new LambdaClient({ region: aws.region, endpoint: aws.url, credentials: aws.adminCredentials });
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: aws.connectorFunctionArn, Environment: { Variables: { ROTOR_CONNECTOR_SECRET: secret! } } }));
  const tested = await connectors.test();
  await expect(tested).toHaveClass(/alert-ok/);
  await expect(tested).toContainText("valid signature");

  // A PostgreSQL rotator that reaches its database through the connector.
  const env = new EnvironmentPage(adminPage);
  await env.create(envName);
  await env.addRotator("postgres");
  const rotator = new RotatorPage(adminPage);
  await rotator.form.getByLabel("Connection").selectOption({ label: `Connector ${CONNECTOR}` });
  await rotator.fillSql({
    name: "vpc_db",
    host: cluster.host,
    port: cluster.port,
    database: "postgres",
    tls: "require",
    managingUser: MANAGER.username,
    managingPassword: MANAGER.password,
    user1: "vpc_one",
    user2: "vpc_two",
  });
  await rotator.testConnection();
  await expect(rotator.form.getByRole("status")).toContainText("Connection works");
  await expect(rotator.form.getByRole("status")).toContainText("Logged in to PostgreSQL 15");
  await rotator.create();

  const run = await rotator.rotateNow();
  await expect(run.getByTestId("run-status")).toHaveAttribute("data-run-status", "succeeded");
  await expect(run.getByRole("list", { name: "Steps" }).getByRole("listitem").filter({ hasText: "verify" })).toContainText("The new credential works.");
  await adminPage.reload();
  const current = await rotator.reveal("current");
  expect(current.username).toBe("vpc_one");
  expect(await cluster.checkLogin({ username: current.username, password: current.password })).toBe(true);
  expect(await cluster.checkLogin({ username: "vpc_one", password: "initial-vpc_one" })).toBe(false);
});

test("a Pulumi ESC-compatible connector rotates too; the verify step is shown as skipped", async ({ adminPage, harness }) => {
  const { aws } = harness;
  const connectors = new ConnectorsPage(adminPage);
  await connectors.goto();
  expect(await connectors.add({ name: ESC_CONNECTOR, mode: "esc", functionArn: aws.escFunctionArn, region: aws.region, login: LOGIN })).toBeNull();
  await connectors.open(ESC_CONNECTOR);
  await expect(await connectors.test()).toContainText("answered like a Pulumi ESC rotation connector");

  await adminPage.goto("/environments");
  await adminPage.getByRole("link", { name: envName }).click();
  const env = new EnvironmentPage(adminPage);
  await env.addRotator("postgres");
  const rotator = new RotatorPage(adminPage);
  await rotator.form.getByLabel("Connection").selectOption({ label: `Connector ${ESC_CONNECTOR} (Pulumi ESC-compatible: cannot verify)` });
  await rotator.fillSql({
    name: "esc_db",
    host: cluster.host,
    port: cluster.port,
    database: "postgres",
    tls: "require",
    managingUser: MANAGER.username,
    managingPassword: MANAGER.password,
    user1: "esc_one",
    user2: "esc_two",
  });
  await rotator.create();
  const run = await rotator.rotateNow();
  await expect(run.getByTestId("run-status")).toHaveAttribute("data-run-status", "succeeded");
  const verify = run.getByRole("list", { name: "Steps" }).getByRole("listitem").filter({ hasText: "verify" });
  await expect(verify.locator("[data-status]")).toHaveAttribute("data-status", "skipped");
  await expect(verify).toContainText("Verification skipped");
  // Rotor could not verify, so the test does.
  await adminPage.reload();
  const current = await rotator.reveal("current");
  expect(current.username).toBe("esc_one");
  expect(await cluster.checkLogin({ username: current.username, password: current.password })).toBe(true);
});
