/**
 * mysql rotator against the real MariaDB on 127.0.0.1:3306, with throwaway accounts that have passwords.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectMysqlAdmin, type MysqlAdmin } from "@/test/support/mysql-admin";
import { expectNoSecrets, rejection, rotateOnce } from "@/test/support/rotator-contract";
import { describeSqlRotatorContract, type SqlFixture, type SqlFixtureOptions } from "@/test/support/sql-rotator-contract";
import { mysqlDialect } from "./dialect";
import type { Credential, RotatorContext, RotatorState } from "../types";
import { mysqlRotator } from "./index";
import { mysqlInputsSchema, type MysqlInputs } from "./inputs";

let admin: MysqlAdmin;

beforeAll(async () => {
  admin = await connectMysqlAdmin();
});

afterAll(async () => {
  await admin?.dropAll();
});

// Every fixture's accounts are dropped after its test, also when the test fails.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const context = (extra: Partial<RotatorContext> = {}): RotatorContext => ({
  checkpoint: async () => {},
  sleep: async () => {},
  ...extra,
});
const empty: RotatorState = { current: null, previous: null };

type Fixture = SqlFixture<MysqlInputs>;

/** CREATE USER allows ALTER USER; SELECT on mysql.user lets the managing user confirm that the accounts exist. */
const ACCOUNT_LIST_GRANT = "SELECT ON mysql.user";
const MANAGING_GRANTS = ["CREATE USER ON *.*", ACCOUNT_LIST_GRANT];

async function fixture(options: SqlFixtureOptions & { managingGrants?: string[]; userHost?: string } = {}): Promise<Fixture> {
  const host = options.userHost ?? "%";
  const managingPassword = options.managingPassword ?? `mgr-${admin.uniqueName("pw")}-secret`;
  const initial = { u1: `init1-${admin.uniqueName("pw")}`, u2: `init2-${admin.uniqueName("pw")}` };
  const managing = await admin.createUser({
    username: options.names?.managing ?? admin.uniqueName("mgr"),
    password: managingPassword,
    grants: [
      ...(options.managingGrants ?? (options.managingWithoutPrivilege ? [ACCOUNT_LIST_GRANT] : MANAGING_GRANTS)),
      ...(options.managingSeesEveryDatabase ? ["SELECT ON *.*"] : []),
    ],
  });
  const u1 = await admin.createUser({ username: options.names?.u1 ?? admin.uniqueName("app1"), host, password: initial.u1 });
  const u2name = options.names?.u2 ?? admin.uniqueName("app2");
  if (options.createU2 !== false) await admin.createUser({ username: u2name, host, password: initial.u2 });
  const inputs = mysqlInputsSchema.parse({
    host: admin.host,
    port: admin.port,
    tls: { mode: "disable" },
    managing: { username: managing.username, password: managingPassword },
    username1: u1.username,
    username2: u2name,
    userHost: host,
    ...options.inputs,
  });
  const cleanup = async () => {
    await admin.dropUser(u1.username, host);
    await admin.dropUser(u2name, host);
    await admin.dropUser(managing.username);
  };
  cleanups.push(cleanup);
  return { inputs, managingPassword, initial, cleanup };
}

const login = (c: Credential | null) => admin.checkLogin({ username: c!.username!, password: c!.password! });

describeSqlRotatorContract({
  label: "MySQL",
  rotator: mysqlRotator,
  fixture,
  login,
  async createCanary() {
    const canary = await admin.createUser({ password: "canary-password" });
    return { dropSql: `DROP USER ${canary.username}`, exists: () => admin.checkLogin(canary), drop: () => admin.dropUser(canary.username) };
  },
  revokeManagingPrivilege: async (f) => void (await admin.query("REVOKE CREATE USER ON *.* FROM ?@'%'", [f.inputs.managing.username])),
  account: (f, username) => `'${username}'@'${f.inputs.userHost}'`,
  missingUser: (f, username) => `MySQL account '${username}'@'${f.inputs.userHost}'`,
  privilegeAdvice: "(grant it CREATE USER ON *.*, or UPDATE ON mysql.*).",
  // The test server has no TLS.
  serverWithoutTls: async () => ({ host: admin.host, port: admin.port, close: async () => {} }),
});

describe("mysql rotator", () => {
  it("changes only the configured account host", async () => {
    const f = await fixture({ userHost: "127.0.0.1" });
    // A same-named account on another host must not be touched.
    await admin.createUser({ username: f.inputs.username1, host: "%", password: "decoy-password" });
    const authOf = async (host: string) =>
      (await admin.query<{ a: string }>("SELECT authentication_string AS a FROM mysql.user WHERE User = ? AND Host = ?", [f.inputs.username1, host]))[0]!.a;
    const decoyBefore = await authOf("%");
    const { state } = await rotateOnce(mysqlRotator, f.inputs, empty, context());
    expect(state.current!.username).toBe(f.inputs.username1);
    expect(await login(state.current)).toBe(true);
    expect(await authOf("%")).toBe(decoyBefore);
    await admin.dropUser(f.inputs.username1, "%");
  });

  it("a login matched to a different account for the same user does not count", async () => {
    const f = await fixture();
    // Same name, same password, more specific host: MySQL picks this account for logins from 127.0.0.1.
    await admin.createUser({ username: f.inputs.username1, host: "127.0.0.1", password: f.initial.u1 });
    const credential = { username: f.inputs.username1, password: f.initial.u1 };
    const error = await rejection(mysqlRotator.verifyCredential({ inputs: f.inputs, credential, context: context() }));
    expect(error.code).toBe("auth:verify-failed");
    expect(error.message).toContain(`matched the account '${f.inputs.username1}'@'127.0.0.1', not '${f.inputs.username1}'@'%'`);
    await admin.dropUser(f.inputs.username1, "127.0.0.1");
  });

  it("UPDATE on mysql.* (with SELECT on mysql.user to see the accounts) is enough to rotate", async () => {
    const f = await fixture({ managingGrants: ["UPDATE ON mysql.*", "SELECT ON mysql.user"] });
    const result = await mysqlRotator.testConnection({ inputs: f.inputs, context: context() });
    expect(result.details.join("\n")).toContain("the managing user may change its password (UPDATE on mysql.*)");
    const { state } = await rotateOnce(mysqlRotator, f.inputs, empty, context());
    expect(await login(state.current)).toBe(true);
  });

  it("escapes correctly even when the server runs with NO_BACKSLASH_ESCAPES", async () => {
    const f = await fixture();
    const session = await mysqlDialect.connect(
      { dialect: "mysql", host: admin.host, port: admin.port, tls: { mode: "disable" } },
      f.inputs.managing,
    );
    try {
      await session.conn.query("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'");
      const password = `it's a \\' trap'; --`;
      await mysqlDialect.setPassword(session, { username: f.inputs.username1, host: "%" }, password);
      expect(await admin.checkLogin({ username: f.inputs.username1, password })).toBe(true);
    } finally {
      await session.close();
    }
  });

  it("the lockout guard's lookups are escaped correctly under NO_BACKSLASH_ESCAPES too (the mode is off before any value)", async () => {
    const f = await fixture({ managingGrants: ["CREATE USER ON *.*", "SELECT ON mysql.user", "PROCESS ON *.*"] });
    const session = await mysqlDialect.connect({ dialect: "mysql", host: admin.host, port: admin.port, tls: { mode: "disable" } }, f.inputs.managing);
    try {
      await session.conn.query("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'");
      // Escaped as 'o\'brien…' by mysql2: under the mode the server would end the string at the backslash.
      expect(await mysqlDialect.otherSessionsOf(session, { username: "o'brien' OR USER <> '" })).toEqual({ count: 0, sources: [] });
      expect((await mysqlDialect.sessionVisibility(session)).level).toBe("all");
    } finally {
      await session.close();
    }
  });

  describe("testConnection", () => {
    it("reports the server, the privilege and both accounts", async () => {
      const f = await fixture();
      const result = await mysqlRotator.testConnection({ inputs: f.inputs, context: context() });
      expect(result.details[0]).toMatch(/^Logged in to (MariaDB|MySQL) \d+\.\d+\.\d+ at 127\.0\.0\.1:3306 as rt_/);
      expect(result.details.filter((d) => d.includes("may change its password (CREATE USER)"))).toHaveLength(2);
      expectNoSecrets(result, [f.managingPassword]);
    });

    it("a database the managing user may not use → auth:permission-denied (a missing one: the SQL contract)", async () => {
      const g = await fixture();
      const db = await admin.createDatabase();
      const denied = await rejection(mysqlRotator.testConnection({ inputs: { ...g.inputs, database: db }, context: context() }));
      expect(denied.code).toBe("auth:permission-denied");
      expect(denied.message).toMatch(
        new RegExp(`does not let the managing user "${g.inputs.managing.username}" use database "${db}" \\(.+\\)\\. Grant access to it, or check the database name\\.$`),
      );
      expectNoSecrets(denied, [g.managingPassword]);
    });
  });
});

describe("the new password never reaches the server in plaintext", () => {
  /** Runs `body` with the server's general log written to mysql.general_log, and returns the statements the
   *  given account sent meanwhile. */
  async function generalLogOf(username: string, body: () => Promise<void>): Promise<string[]> {
    const [before] = await admin.query<{ on: number; output: string }>("SELECT @@GLOBAL.general_log AS `on`, @@GLOBAL.log_output AS output");
    const since = (await admin.query<{ now: string }>("SELECT NOW(6) AS now"))[0]!.now;
    await admin.query("SET GLOBAL log_output = 'TABLE'");
    await admin.query("SET GLOBAL general_log = 1");
    try {
      await body();
    } finally {
      await admin.query("SET GLOBAL general_log = ?", [before!.on]);
      await admin.query("SET GLOBAL log_output = ?", [before!.output]);
    }
    const rows = await admin.query<{ argument: Buffer | string }>(
      "SELECT argument FROM mysql.general_log WHERE event_time >= ? AND user_host LIKE ? AND command_type = 'Query'",
      [since, `${username}[%`],
    );
    return rows.map((r) => String(r.argument));
  }

  it("mysql_native_password on MariaDB gets IDENTIFIED BY PASSWORD '*…', and the login works", async () => {
    const f = await fixture();
    let state = empty;
    const statements = await generalLogOf(f.inputs.managing.username, async () => {
      ({ state } = await rotateOnce(mysqlRotator, f.inputs, empty, context()));
    });
    const alters = statements.filter((s) => /^ALTER USER/i.test(s));
    expect(alters.length, `ALTER USER in the general log: ${statements.join(" | ")}`).toBeGreaterThan(0);
    for (const statement of statements) expect(statement).not.toContain(state.current!.password!);
    expect(alters[0]).toMatch(/IDENTIFIED BY PASSWORD '\*[0-9A-F]{40}'/);
    expect(await login(state.current)).toBe(true);
  });

  it("without SELECT on mysql.user, Test connection says it could not confirm the users and rotations are refused", async () => {
    const f = await fixture({ managingGrants: ["CREATE USER ON *.*"], createU2: false });
    // username2 does not exist, and the managing user cannot see that: Test connection must not be green.
    const error = await rejection(mysqlRotator.testConnection({ inputs: f.inputs, context: context() }));
    expect(error.code).toBe("auth:permission-denied");
    expect(error.message).toContain(`Could not confirm that MySQL account '${f.inputs.username1}'@'%' exists`);
    expect(error.message).toContain("Grant it SELECT ON mysql.user");
    // The rotation does not start: nothing is sent to the account (its password is unchanged).
    const refused = await rejection(rotateOnce(mysqlRotator, f.inputs, empty, context()));
    expect(refused.code).toBe("auth:permission-denied");
    expect(refused.message).toContain("Could not confirm that the account");
    expect(await login({ username: f.inputs.username1, password: f.initial.u1 })).toBe(true);
    // Once it may look, the missing user is named.
    await admin.query(`GRANT SELECT ON mysql.user TO ?@'%'`, [f.inputs.managing.username]);
    const missing = await rejection(mysqlRotator.testConnection({ inputs: f.inputs, context: context() }));
    expect(missing.code).toBe("target:user-not-found");
    expect(missing.message).toContain(f.inputs.username2);
  });
});

describe("mysql inputs", () => {
  it("defaults port, userHost and TLS (require); database is optional", () => {
    const inputs = mysqlInputsSchema.parse({
      host: "db.example.com",
      managing: { username: "admin", password: "x" },
      username1: "app1",
      username2: "app2",
    });
    expect(inputs).toMatchObject({ port: 3306, userHost: "%", tls: { mode: "require" } });
    expect(inputs.database).toBeUndefined();
    expect(mysqlRotator.secretInputPaths).toEqual(["managing.password"]);
    expect(mysqlRotator.credentialSchema.safeParse({ username: "a", password: "b", host: "%" }).success).toBe(false);
  });
});
