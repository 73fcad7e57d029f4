/**
 * ESC definitions written from Pulumi's docs (test/fixtures/esc: providers/rotators/*.md, login/aws-login.md)
 * planned into what Rotor would create — and the files Rotor must refuse, each with its file, line and path.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { planEscImport, type EscImportPlan } from "./plan";
import { formatProblem } from "./problems";

const dir = path.resolve(__dirname, "../../test/fixtures/esc");
const fixture = (file: string, environment?: string) => ({ file, content: fs.readFileSync(path.join(dir, file), "utf8"), ...(environment ? { environment } : {}) });
const errors = (plan: EscImportPlan) => plan.problems.map(formatProblem);
const notes = (plan: EscImportPlan) => plan.notes.map(formatProblem);

describe("ESC definitions from the docs", () => {
  it("notes what a file leaves to a default: a SQL rotator's TLS (Rotor's), a password without inputs (ESC's)", () => {
    const sql = planEscImport([fixture("managingCredentials.yaml"), fixture("postgres-connector.yaml", "rotatorExample/db")]);
    expect(notes(sql)).toContain("postgres-connector.yaml:4 values.dbRotator: TLS to the database: require (ESC does not say; Rotor's default). Change it on the rotator if the server has no TLS");
    const bare = planEscImport([{ file: "bare.yaml", content: "values:\n  generated:\n    fn::rotate::password: {}\n" }]);
    expect(errors(bare)).toEqual([]);
    expect(notes(bare)).toContain("bare.yaml:3 values.generated: no inputs: ESC's password defaults apply (16 characters)");
    const given = planEscImport([fixture("password.yaml")]);
    expect(notes(given).filter((n) => n.includes("password defaults apply"))).toEqual([]);
  });

  it("postgres through an aws-lambda connector, managing credentials in a second file (ESC's two-environment split)", () => {
    const plan = planEscImport([fixture("managingCredentials.yaml"), fixture("postgres-connector.yaml", "rotatorExample/db")]);
    expect(errors(plan)).toEqual([]);
    const [credentials, db] = plan.environments;
    expect(credentials).toMatchObject({ name: "managingCredentials", values: [{ key: "managingUser.username", value: "managing_user", secret: false }, { key: "managingUser.password", secret: true }] });
    expect(db.name).toBe("rotatorExample/db");
    expect(db.rotators).toEqual([
      expect.objectContaining({
        name: "dbRotator",
        type: "postgres",
        line: 3,
        inputs: expect.objectContaining({
          host: "rotator-example-postgres.cluster-xxxxxxxxxxxx.us-west-2.rds.amazonaws.com",
          port: 5432,
          database: "rotator_example_db",
          managing: { username: "managing_user", password: "managing-password-from-docs" },
          username1: "user1",
          username2: "user2",
          tls: { mode: "require" },
        }),
        state: { current: null, previous: null },
      }),
    ]);
    expect(plan.logins).toEqual([
      expect.objectContaining({ name: "managingCredentials awsLogin", kind: "oidc", config: expect.objectContaining({ roleArn: "arn:aws:iam::123456789012:role/esc-rotator", sessionName: "pulumi-esc-secret-rotator", durationSeconds: 3600 }) }),
    ]);
    expect(plan.connectors).toEqual([
      expect.objectContaining({ name: "PulumiEscSecretRotatorLambda-Function-abc", config: { mode: "esc", functionArn: "arn:aws:lambda:us-west-2:111111111111:function:PulumiEscSecretRotatorLambda-Function-abc", region: "us-west-2" }, loginKey: plan.logins[0].key }),
    ]);
    expect(db.rotators[0].connectorKey).toBe(plan.connectors[0].key);
    // What Rotor copied, and from where (it has no live import of the managing environment).
    expect(notes(plan)).toContain("postgres-connector.yaml:14 values.dbRotator.inputs.database.managingUser: copied from managingCredentials (managingUser) when imported: Rotor keeps its own copy, ESC would read it at rotation time");
  });

  it("a file imported under another name still answers the references written against its own name", () => {
    const plan = planEscImport([fixture("managingCredentials.yaml", "team/creds"), fixture("postgres-connector.yaml")]);
    expect(errors(plan)).toEqual([]);
    expect(plan.environments.map((e) => e.name)).toEqual(["team/creds", "postgres-connector"]);
    expect(plan.environments[1].rotators[0].inputs.managing).toEqual({ username: "managing_user", password: "managing-password-from-docs" });
  });

  it("mysql direct, with state (current and previous)", () => {
    const plan = planEscImport([fixture("managingCredentials.yaml"), fixture("mysql-direct.yaml")]);
    expect(errors(plan)).toEqual([]);
    const rotator = plan.environments[1].rotators[0];
    expect(rotator).toMatchObject({ type: "mysql", connectorKey: null, loginKey: null, inputs: { host: "mysql.example.com", port: 3306, database: "rotator_example_db", userHost: "%" } });
    expect(rotator.state).toEqual({ current: { username: "user1", password: "current-password" }, previous: { username: "user2", password: "previous-password" } });
  });

  it("postgres without a connector and mysql with one", () => {
    const direct = fixture("postgres-connector.yaml");
    direct.content = direct.content.replace(/ {10}connector:\n( {12}.*\n)+/, "");
    const plan = planEscImport([fixture("managingCredentials.yaml"), direct]);
    expect(errors(plan)).toEqual([]);
    expect(plan.connectors).toEqual([]);
    expect(plan.environments[1].rotators[0]).toMatchObject({ type: "postgres", connectorKey: null });

    const mysql = fixture("postgres-connector.yaml");
    mysql.content = mysql.content.replace("fn::rotate::postgres", "fn::rotate::mysql").replace("port: 5432", "port: 3306");
    const viaConnector = planEscImport([fixture("managingCredentials.yaml"), mysql]);
    expect(errors(viaConnector)).toEqual([]);
    expect(viaConnector.environments[1].rotators[0]).toMatchObject({ type: "mysql", connectorKey: viaConnector.connectors[0].key });
  });

  it("aws-iam with an OIDC login in another environment (region and login by reference)", () => {
    const plan = planEscImport([fixture("production.yaml", "logins/production"), fixture("aws-iam-oidc.yaml")]);
    expect(errors(plan)).toEqual([]);
    expect(plan.environments[0].values).toEqual([{ key: "aws.region", value: "us-west-2", secret: false, copiedFrom: null }]);
    expect(plan.environments[1].rotators[0]).toMatchObject({ type: "aws-iam", inputs: { region: "us-west-2", userName: "arn:aws:iam::123456789012:user/app" }, loginKey: plan.logins[0].key });
    expect(plan.environments[1].rotators[0].inputs.login).toBeUndefined();
    expect(plan.logins[0]).toMatchObject({ kind: "oidc", config: { roleArn: "arn:aws:iam::123456789012:role/esc-oidc", durationSeconds: 7200 } });
    expect(notes(plan).some((n) => n.startsWith("production.yaml:6 values.aws.login: subjectAttributes are not used"))).toBe(true);
  });

  it("aws-iam with static managing keys in the inputs, and fn::open::aws-login static as a login", () => {
    const plan = planEscImport([fixture("aws-iam-static.yaml")]);
    expect(errors(plan)).toEqual([]);
    expect(plan.environments[0].rotators[0].inputs).toMatchObject({ login: { kind: "static", accessKeyId: "AKIAMANAGING00000001", secretAccessKey: "managing-secret-access-key-0000000000000" } });

    const login = planEscImport([
      { file: "keys.yaml", content: "values:\n  login:\n    fn::open::aws-login:\n      static:\n        accessKeyId: AKIAMANAGING00000002\n        secretAccessKey:\n          fn::secret: s3cr3t-s3cr3t-s3cr3t\n" },
    ]);
    expect(errors(login)).toEqual([]);
    expect(login.logins[0]).toMatchObject({ name: "keys login", kind: "static", config: { accessKeyId: "AKIAMANAGING00000002" }, secret: { secretAccessKey: "s3cr3t-s3cr3t-s3cr3t" } });
    expect(login.environments[0].values).toEqual([]);
  });

  it("password and passphrase (short and long form), a plain value and environmentVariables as exported variables", () => {
    const plan = planEscImport([fixture("password.yaml")]);
    expect(errors(plan)).toEqual([]);
    const env = plan.environments[0];
    expect(env.description).toBe("Generated secrets");
    expect(env.rotators.map((r) => [r.name, r.type])).toEqual([["mypassword", "password"], ["mypassphrase", "passphrase"]]);
    expect(env.rotators[0].inputs.passwordRules).toMatchObject({ length: 15, minLowercase: 2, minUppercase: 3, minSymbols: 5, specials: "!@#$%&*()-_=+[]{}<>:" });
    expect(env.rotators[1]).toMatchObject({ inputs: { length: 4, separator: "%", capitalize: true }, state: { current: { passphrase: "Mouth%Purebred%Headstone%Plausibly" }, previous: null } });
    expect(env.exports).toEqual({ APP_PASSWORD: "${mypassword.current.password}", APP_PASSPHRASE: "${mypassphrase.current.passphrase}", REGION: "${values.region}" });
  });

  it("external (short and long form): url and request as ESC has them, the adapter's last answer as current", () => {
    const plan = planEscImport([fixture("external.yaml")]);
    expect(errors(plan)).toEqual([]);
    const [rotated, api] = plan.environments[0].rotators;
    expect(rotated).toMatchObject({ name: "rotatedCredentials", type: "external", inputs: { url: "https://my-adapter.example.com/rotate-credentials", request: { service: "database", environment: "production" } }, state: { current: null, previous: null } });
    expect(api).toMatchObject({
      name: "apiCredentials",
      type: "external",
      inputs: { url: "https://my-adapter.example.com/rotate", request: { service: "my-service", keys: { key1: "prod-key-1", key2: "prod-key-2" } } },
      state: { current: { keyId: "prod-key-1", secret: "existing-key-123", rotatedAt: "2025-01-01T00:00:00Z" }, previous: null },
    });
    expect(plan.environments[0].exports).toEqual({ API_SECRET: "${apiCredentials.current.secret}" });
  });

  it("top-level imports: the imported values are copied, and the preview says from where", () => {
    const plan = planEscImport([fixture("managingCredentials.yaml"), { file: "app.yaml", content: "imports:\n  - managingCredentials\nvalues:\n  region: eu-west-1\n" }]);
    expect(errors(plan)).toEqual([]);
    expect(plan.environments[1].values.map((v) => [v.key, v.copiedFrom])).toEqual([["managingUser.username", "managingCredentials"], ["managingUser.password", "managingCredentials"], ["region", null]]);
    expect(notes(plan)).toContain("app.yaml values.managingUser.password: values.managingUser.password copied from managingCredentials (imports): Rotor has no live imports, so a later change there does not reach app");
  });
});

describe("what Rotor refuses, by file and line", () => {
  it("fn::secret with an ESC ciphertext: the advice to export with --show-secrets", () => {
    expect(errors(planEscImport([fixture("ciphertext.yaml")]))).toEqual([
      "ciphertext.yaml:5 values.managingUser.password: This secret is encrypted by Pulumi ESC (fn::secret: {ciphertext}), which only ESC can decrypt: export the definition with `esc env get <org>/<project>/<env> --definition --show-secrets` and import that.",
    ]);
  });

  it("a top-level rotators: key (a docs error), clearly", () => {
    const [problem] = planEscImport([fixture("top-level-rotators.yaml")]).problems;
    expect(problem).toMatchObject({ file: "top-level-rotators.yaml", line: 3, path: "rotators", severity: "error" });
    expect(problem.message).toMatch(/^A top-level rotators: key is not part of ESC's environment format .* put each rotator under values:/);
  });

  it("other fn:: functions, unknown providers and a missing reference (with its exact path)", () => {
    const found = errors(planEscImport([fixture("unsupported.yaml")]));
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^unsupported\.yaml:3 values\.fromSecretsManager: fn::open::aws-secrets has no equivalent in Rotor/),
        expect.stringMatching(/^unsupported\.yaml:9 values\.joined: fn::join has no equivalent in Rotor/),
        expect.stringMatching(/^unsupported\.yaml:11 values\.snowflake: fn::rotate::snowflake-user: Rotor has no snowflake-user rotator/),
        "unsupported.yaml:18 values.db.inputs.database.managingUser: ${environments.nowhere.creds.managingUser} is missing: environment nowhere/creds is not among the files of this import (add its file)",
      ]),
    );
    const missingPath = planEscImport([fixture("managingCredentials.yaml"), { file: "x.yaml", content: "values:\n  u: ${environments.p.managingCredentials.managingUser.nope}\n" }]);
    expect(errors(missingPath)).toEqual(["x.yaml:2 values.u: ${environments.p.managingCredentials.managingUser.nope} is missing: managingCredentials has no value managingUser.nope"]);
  });

  it("external: a secret in the request (Rotor stores it in clear), plain http, and a state that is not text", () => {
    const found = errors(planEscImport([fixture("external-refused.yaml")]));
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^external-refused\.yaml:8 values\.leaky\.inputs\.request\.apiKey: .*is a secret, but Rotor stores the request in clear/),
        expect.stringMatching(/^external-refused\.yaml:16 values\.nested\.state\.current\.token: .*must be text/),
      ]),
    );
    expect(found.join("\n")).not.toContain("do-not-store-in-clear");
  });

  it("an unknown input of a known rotator, and inputs Rotor's schema refuses", () => {
    const plan = planEscImport([{ file: "p.yaml", content: "values:\n  pw:\n    fn::rotate::password:\n      inputs:\n        length: 4\n        colour: blue\n" }]);
    expect(errors(plan)).toEqual(["p.yaml:6 values.pw.inputs.colour: values.pw.inputs.colour is not an input of ESC's password rotator", "p.yaml:4 values.pw.inputs (Rotor input passwordRules.length): Password length must be at least 8"]);
  });

  it.each([
    ["hostile.yaml", /^hostile\.yaml:2: YAML anchors \(&name\) are not accepted/],
    ["hostile-proto.yaml", /^hostile-proto\.yaml:2: The key "__proto__" is not accepted/],
    ["hostile-tag.yaml", /^hostile-tag\.yaml:2: YAML tags/],
    ["malformed.yaml", /^malformed\.yaml:\d+: The file is not valid YAML/],
  ])("hostile or malformed YAML: %s", (file, message) => {
    const plan = planEscImport([fixture(file)]);
    expect(errors(plan)).toEqual([expect.stringMatching(message)]);
    expect(plan.environments).toEqual([]);
  });

  it("several documents, huge and deeply nested files, reference cycles, unknown top-level keys", () => {
    expect(errors(planEscImport([{ file: "two.yaml", content: "values: {a: 1}\n---\nvalues: {b: 2}\n" }]))).toEqual([expect.stringMatching(/^two\.yaml:2: The file holds more than one YAML document/)]);
    expect(errors(planEscImport([{ file: "big.yaml", content: `values:\n  a: "${"x".repeat(600 * 1024)}"\n` }]))).toEqual([expect.stringMatching(/^big\.yaml: The file is larger than 512 KB/)]);
    expect(errors(planEscImport([{ file: "deep.yaml", content: `values: ${"[".repeat(60)}${"]".repeat(60)}\n` }]))).toEqual([expect.stringMatching(/^deep\.yaml:1: The file nests deeper than/)]);
    expect(errors(planEscImport([{ file: "loop.yaml", content: "values:\n  a: ${b}\n  b: ${a}\n" }]))).toEqual(expect.arrayContaining([expect.stringMatching(/refers to itself/)]));
    expect(errors(planEscImport([{ file: "odd.yaml", content: "values: {}\nenvironmentVariables: {A: b}\n" }]))).toEqual(["odd.yaml:2 environmentVariables: environmentVariables is not a top-level key of an ESC environment (it has imports, values and description)"]);
    expect(errors(planEscImport([{ file: "bad name!.yaml", content: "values: {}\n" }]))[0]).toMatch(/^bad name!\.yaml: The environment name "bad name!" is not valid/);
  });
});
