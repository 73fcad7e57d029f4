/**
 * mysql preflight ("Check rotation") against the real MariaDB on 127.0.0.1:3306: the lines MySQL words its own
 * way — the grant that allows ALTER USER, a managing user that may not read mysql.user — and that checking
 * changes nothing. What every SQL dialect's checklist says (a missing user, a wrong managing password, a missing
 * privilege) is in the SQL contract (test/support/sql-rotator-contract.ts, run by mysql.test.ts). The password-policy comparison is unit-tested below as well,
 * because loading a validation plugin would change the shared server for every other test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMysqlAdmin, type MysqlAdmin } from "@/test/support/mysql-admin";
import type { CheckLine, RotatorContext } from "../types";
import { passwordRulesLine, runPreflight } from "../preflight";
import { mysqlRotator } from "./index";
import { mysqlInputsSchema } from "./inputs";

let admin: MysqlAdmin;

beforeAll(async () => {
  admin = await connectMysqlAdmin();
});

afterAll(async () => {
  await admin?.dropAll();
});

const context: RotatorContext = { checkpoint: async () => {} };

async function setup(options: { grants?: string[]; createU2?: boolean } = {}) {
  const managingPassword = `mgr-${admin.uniqueName("pw")}-secret`;
  const managing = await admin.createUser({ username: admin.uniqueName("mgr"), password: managingPassword, grants: options.grants ?? ["CREATE USER ON *.*", "SELECT ON mysql.user"] });
  const u1 = await admin.createUser({ username: admin.uniqueName("app1"), password: "init1-secret" });
  const u2 = options.createU2 === false ? { username: admin.uniqueName("app2") } : await admin.createUser({ username: admin.uniqueName("app2"), password: "init2-secret" });
  const inputs = mysqlInputsSchema.parse({
    host: admin.host,
    port: admin.port,
    tls: { mode: "disable" },
    managing: { username: managing.username, password: managingPassword },
    username1: u1.username,
    username2: u2.username,
  });
  return { inputs, managing, u1: u1.username, u2: u2.username };
}

async function check(inputs: unknown): Promise<Map<string, CheckLine>> {
  const { checks } = await runPreflight(mysqlRotator, { inputs: inputs as never, state: { current: null, previous: null }, context });
  for (const line of checks) if (line.status === "failed") expect(line.fix, `${line.id} has a fix`).toBeTruthy();
  return new Map(checks.map((line) => [line.id, line]));
}

const passwordHashOf = async (username: string) =>
  (await admin.query<{ p: string }>("SELECT authentication_string AS p FROM mysql.user WHERE User = ?", [username]))[0]?.p;

describe("mysql preflight", () => {
  it("passes for a managing user with CREATE USER and SELECT on mysql.user, and changes nothing", async () => {
    const { inputs, u1, u2 } = await setup();
    const before = [await passwordHashOf(u1), await passwordHashOf(u2)];
    const lines = await check(inputs);
    const statuses = Object.fromEntries([...lines.values()].map((l) => [l.id, l.status]));
    expect(statuses).toMatchObject({ reach: "ok", "managing-login": "ok", [`user:${u1}`]: "ok", [`privilege:${u1}`]: "ok", [`user:${u2}`]: "ok", [`privilege:${u2}`]: "ok", "password-rules": "ok" });
    expect(lines.get(`privilege:${u1}`)!.detail).toContain("CREATE USER");
    expect(lines.get("tls")!.status).toBe("warning");
    expect([await passwordHashOf(u1), await passwordHashOf(u2)]).toEqual(before);
  });

  it("the privilege lines of a managing user without the grant allowing ALTER USER give the GRANT to run", async () => {
    const { inputs, managing, u1, u2 } = await setup({ grants: ["SELECT ON mysql.user"] });
    const lines = await check(inputs);
    expect(lines.get(`user:${u1}`)!.status).toBe("ok");
    for (const u of [u1, u2]) {
      expect(lines.get(`privilege:${u}`)).toMatchObject({ status: "failed", code: "auth:permission-denied", retryable: false });
      expect(lines.get(`privilege:${u}`)!.fix).toBe(`GRANT CREATE USER ON *.* TO '${managing.username}'@'%';`);
    }
  });

  it("accepts UPDATE on mysql.* as the grant", async () => {
    const { inputs, u1 } = await setup({ grants: ["UPDATE ON mysql.*", "SELECT ON mysql.user"] });
    const lines = await check(inputs);
    expect(lines.get(`privilege:${u1}`)).toMatchObject({ status: "ok" });
    expect(lines.get(`privilege:${u1}`)!.detail).toContain("UPDATE on mysql.*");
  });

  it("cannot confirm the users when the managing user may not read mysql.user: failed, with the grant", async () => {
    const { inputs, u1 } = await setup({ grants: ["CREATE USER ON *.*"] });
    const lines = await check(inputs);
    expect(lines.get(`user:${u1}`)).toMatchObject({ status: "failed", code: "auth:permission-denied" });
    expect(lines.get(`user:${u1}`)!.fix).toContain("SELECT ON mysql.user");
  });
});

describe("password rules against a server's validation policy", () => {
  const policy = { source: "MariaDB simple_password_check", minLength: 12, minDigits: 2, minUppercase: 1, minLowercase: 1, minSymbols: 1 };

  it("fits rules that guarantee every minimum", () => {
    expect(passwordRulesLine({ length: 32, minDigits: 2 }, "MySQL", policy)).toMatchObject({ status: "ok" });
  });

  it("fails rules that are too short or turn a required class off, naming each problem", () => {
    const line = passwordRulesLine({ length: 10, symbols: false }, "MySQL", policy);
    expect(line).toMatchObject({ status: "failed", code: "input:invalid", retryable: false });
    expect(line.detail).toContain("needs at least 12 characters, the rules make 10");
    expect(line.detail).toContain("needs at least 1 special characters, which the rules turn off");
    expect(line.detail).toContain("needs at least 2 digits, the rules guarantee 1 (minDigits)");
  });
});
