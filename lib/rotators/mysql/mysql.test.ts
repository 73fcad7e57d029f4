/**
 * mysql rotator against the real MariaDB on 127.0.0.1:3306, with throwaway accounts that have passwords.
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMysqlAdmin, type MysqlAdmin } from "@/test/support/mysql-admin";
import { describeRotatorContract, expectNoSecrets, rotateOnce } from "@/test/support/rotator-contract";
import { isRotatorError, type RotatorError } from "../errors";
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

const context = (extra: Partial<RotatorContext> = {}): RotatorContext => ({
  checkpoint: async () => {},
  sleep: async () => {},
  ...extra,
});
const empty: RotatorState = { current: null, previous: null };

interface Fixture {
  inputs: MysqlInputs;
  managingPassword: string;
  initial: { u1: string; u2: string };
  cleanup(): Promise<void>;
}

async function fixture(options: {
  names?: { managing?: string; u1?: string; u2?: string };
  managingGrants?: string[];
  managingPassword?: string;
  userHost?: string;
  createU2?: boolean;
  inputs?: Record<string, unknown>;
} = {}): Promise<Fixture> {
  const host = options.userHost ?? "%";
  const managingPassword = options.managingPassword ?? `mgr-${admin.uniqueName("pw")}-secret`;
  const initial = { u1: `init1-${admin.uniqueName("pw")}`, u2: `init2-${admin.uniqueName("pw")}` };
  const managing = await admin.createUser({
    username: options.names?.managing ?? admin.uniqueName("mgr"),
    password: managingPassword,
    grants: options.managingGrants ?? ["CREATE USER ON *.*", "SELECT ON mysql.user"],
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
  return {
    inputs,
    managingPassword,
    initial,
    cleanup: async () => {
      await admin.dropUser(u1.username, host);
      await admin.dropUser(u2name, host);
      await admin.dropUser(managing.username);
    },
  };
}

const login = (c: Credential | null) => admin.checkLogin({ username: c!.username!, password: c!.password! });

async function caught(promise: Promise<unknown>): Promise<RotatorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRotatorError(error), `expected a RotatorError, got ${String(error)}`).toBe(true);
  return error as RotatorError;
}

describeRotatorContract("mysql", async () => {
  const f = await fixture();
  return {
    rotator: mysqlRotator,
    inputs: f.inputs,
    checkLogin: login,
    firstRotation: { username: f.inputs.username1 },
    importedState: { current: { username: f.inputs.username1, password: f.initial.u1 }, previous: null },
    context: { sleep: async () => {} },
    cleanup: f.cleanup,
  };
});

describe("mysql rotator", () => {
  it("alternates users and keeps current and previous working after every rotation", async () => {
    const f = await fixture();
    let state = empty;
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      ({ state } = await rotateOnce(mysqlRotator, f.inputs, state, context()));
      order.push(state.current!.username!);
      expect(await login(state.current)).toBe(true);
      if (state.previous) expect(await login(state.previous)).toBe(true);
    }
    expect(order).toEqual([f.inputs.username1, f.inputs.username2, f.inputs.username1, f.inputs.username2]);
    expect(Object.keys(state.current!).sort()).toEqual(["password", "username"]);
    await f.cleanup();
  });

  it("handles quotes, backslashes, SQL fragments and unicode in names and passwords", async () => {
    const canary = await admin.createUser({ password: "canary-password" });
    const f = await fixture({
      names: {
        managing: `m'"\\; DROP USER ${canary.username}; --`.slice(0, 80),
        u1: `o'brien"; DROP USER ${canary.username}; --`.slice(0, 80),
        u2: `ünïcødé-用户\\"'?`,
      },
      managingPassword: `p'a"s\\s; DROP USER x; --ü?`,
      inputs: { passwordRules: { specials: `'"\\;%_$?`, minSymbols: 4 } },
    });
    let state = empty;
    for (let i = 0; i < 3; i++) {
      ({ state } = await rotateOnce(mysqlRotator, f.inputs, state, context()));
      expect(state.current!.password).toMatch(/['"\\;%_$?]/);
      expect(await login(state.current)).toBe(true);
      if (state.previous) expect(await login(state.previous)).toBe(true);
    }
    expect(await admin.checkLogin(canary)).toBe(true);
    await f.cleanup();
  });

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
    await f.cleanup();
  });

  it("a login matched to a different account for the same user does not count", async () => {
    const f = await fixture();
    // Same name, same password, more specific host: MySQL picks this account for logins from 127.0.0.1.
    await admin.createUser({ username: f.inputs.username1, host: "127.0.0.1", password: f.initial.u1 });
    const credential = { username: f.inputs.username1, password: f.initial.u1 };
    const error = await caught(mysqlRotator.verifyCredential({ inputs: f.inputs, credential, context: context() }));
    expect(error.code).toBe("auth:verify-failed");
    expect(error.message).toContain(`matched the account '${f.inputs.username1}'@'127.0.0.1', not '${f.inputs.username1}'@'%'`);
    await admin.dropUser(f.inputs.username1, "127.0.0.1");
    await f.cleanup();
  });

  it("UPDATE on mysql.* is enough to rotate", async () => {
    const f = await fixture({ managingGrants: ["UPDATE ON mysql.*"] });
    const result = await mysqlRotator.testConnection({ inputs: f.inputs, context: context() });
    expect(result.details.join("\n")).toContain("Could not check that account");
    const { state } = await rotateOnce(mysqlRotator, f.inputs, empty, context());
    expect(await login(state.current)).toBe(true);
    await f.cleanup();
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
    await f.cleanup();
  });

  describe("testConnection", () => {
    it("reports the server, the privilege and both accounts", async () => {
      const f = await fixture();
      const result = await mysqlRotator.testConnection({ inputs: f.inputs, context: context() });
      expect(result.details[0]).toMatch(/^Logged in to (MariaDB|MySQL) \d+\.\d+\.\d+ at 127\.0\.0\.1:3306 as rt_/);
      expect(result.details.filter((d) => d.includes("may change its password (CREATE USER)"))).toHaveLength(2);
      expectNoSecrets(result, [f.managingPassword]);
      await f.cleanup();
    });

    it("refuses a managing user without CREATE USER", async () => {
      const f = await fixture({ managingGrants: [] });
      const error = await caught(mysqlRotator.testConnection({ inputs: f.inputs, context: context() }));
      expect(error.code).toBe("auth:permission-denied");
      expect(error.message).toBe(
        `Managing user "${f.inputs.managing.username}" lacks the privilege to change the password of '${f.inputs.username1}'@'%' ` +
          "(grant it CREATE USER ON *.*, or UPDATE ON mysql.*).",
      );
      await f.cleanup();
    });

    it("refuses a missing account", async () => {
      const f = await fixture({ createU2: false });
      const error = await caught(mysqlRotator.testConnection({ inputs: f.inputs, context: context() }));
      expect(error.code).toBe("target:user-not-found");
      expect(error.message).toContain(`MySQL account '${f.inputs.username2}'@'%' does not exist at 127.0.0.1:3306`);
      await f.cleanup();
    });
  });

  describe("failures are clear, leak nothing and change nothing", () => {
    async function afterOneRotation(fixtureOptions: Parameters<typeof fixture>[0] = {}) {
      const f = await fixture(fixtureOptions);
      const first = await rotateOnce(mysqlRotator, f.inputs, empty, context());
      return { f, state: first.state };
    }

    async function expectUnchanged(f: Fixture, state: RotatorState) {
      expect(await login(state.current)).toBe(true);
      expect(await admin.checkLogin({ username: f.inputs.username2, password: f.initial.u2 })).toBe(true);
    }

    async function failingRotation(inputs: MysqlInputs, state: RotatorState) {
      const { pending } = await mysqlRotator.prepare({ inputs, state, context: context() });
      const error = await caught(mysqlRotator.apply({ inputs, state, pending, context: context() }));
      return { error, pending };
    }

    it("wrong managing password → auth:managing-login-failed", async () => {
      const { f, state } = await afterOneRotation();
      const wrong = "Wrong'managing\\password-ü";
      const inputs = { ...f.inputs, managing: { ...f.inputs.managing, password: wrong } };
      const { error, pending } = await failingRotation(inputs, state);
      expect(error.code).toBe("auth:managing-login-failed");
      expect(error.message).toBe(`MySQL rejected the managing user "${f.inputs.managing.username}": wrong password or the user may not log in.`);
      expectNoSecrets(error, [wrong, f.managingPassword, pending.credential!.password, state.current!.password]);
      await expectUnchanged(f, state);
      await f.cleanup();
    });

    it("managing user without CREATE USER → auth:permission-denied", async () => {
      const { f, state } = await afterOneRotation();
      await admin.query("REVOKE CREATE USER ON *.* FROM ?@'%'", [f.inputs.managing.username]);
      const { error, pending } = await failingRotation(f.inputs, state);
      expect(error.code).toBe("auth:permission-denied");
      expect(error.message).toBe(
        `Managing user "${f.inputs.managing.username}" lacks the privilege to change the password of '${f.inputs.username2}'@'%' ` +
          "(grant it CREATE USER ON *.*, or UPDATE ON mysql.*).",
      );
      expectNoSecrets(error, [f.managingPassword, pending.credential!.password]);
      await expectUnchanged(f, state);
      await f.cleanup();
    });

    it("rotated account missing → target:user-not-found", async () => {
      const f = await fixture({ createU2: false });
      const first = await rotateOnce(mysqlRotator, f.inputs, empty, context());
      const { error, pending } = await failingRotation(f.inputs, first.state);
      expect(error.code).toBe("target:user-not-found");
      expect(error.message).toBe(
        `MySQL account '${f.inputs.username2}'@'%' does not exist at 127.0.0.1:3306. Create it before rotating, or fix the username.`,
      );
      expectNoSecrets(error, [f.managingPassword, pending.credential!.password]);
      expect(await login(first.state.current)).toBe(true);
      await f.cleanup();
    });

    it("closed port → target:unreachable (retryable)", async () => {
      const f = await fixture();
      const closed = await closedPort();
      const inputs = { ...f.inputs, port: closed };
      const error = await caught(mysqlRotator.testConnection({ inputs, context: context() }));
      expect(error.code).toBe("target:unreachable");
      expect(error.retryable).toBe(true);
      expect(error.message).toBe(`Cannot reach MySQL at 127.0.0.1:${closed} (connection refused). Check host, port and network access.`);
      const { error: applyError, pending } = await failingRotation(inputs, empty);
      expect(applyError.code).toBe("target:unreachable");
      expectNoSecrets(applyError, [f.managingPassword, pending.credential!.password]);
      await f.cleanup();
    });

    it("a server that never answers → target:unreachable after the timeout", async () => {
      const f = await fixture();
      const silent = await listen(() => {});
      try {
        const inputs = { ...f.inputs, port: silent.port, timeoutMs: 300 };
        const error = await caught(mysqlRotator.testConnection({ inputs, context: context() }));
        expect(error.code).toBe("target:unreachable");
        expect(error.message).toBe(`Cannot reach MySQL at 127.0.0.1:${silent.port} (no answer within 0.3s). Check host, port and network access.`);
      } finally {
        silent.server.close();
        await f.cleanup();
      }
    });

    it("TLS required by default, server without TLS → target:rejected with a way out", async () => {
      const f = await fixture();
      const inputs = mysqlInputsSchema.parse({ ...f.inputs, tls: undefined });
      expect(inputs.tls.mode).toBe("require");
      const error = await caught(mysqlRotator.testConnection({ inputs, context: context() }));
      expect(error.code).toBe("target:rejected");
      expect(error.message).toBe(
        'MySQL at 127.0.0.1:3306 does not accept TLS connections. Enable TLS on the server, or set TLS mode to "disable" only on a trusted network.',
      );
      await f.cleanup();
    });

    it("unknown database → target:rejected; a database the managing user may not use → auth:permission-denied", async () => {
      // Only a user with access to every database learns that one does not exist.
      const f = await fixture({ managingGrants: ["CREATE USER ON *.*", "SELECT ON *.*"] });
      const missing = await caught(mysqlRotator.testConnection({ inputs: { ...f.inputs, database: "rt_no_such_db" }, context: context() }));
      expect(missing.code).toBe("target:rejected");
      expect(missing.message).toBe('Database "rt_no_such_db" does not exist on MySQL at 127.0.0.1:3306. Check the database name.');
      await f.cleanup();

      const g = await fixture();
      const db = await admin.createDatabase();
      const denied = await caught(mysqlRotator.testConnection({ inputs: { ...g.inputs, database: db }, context: context() }));
      expect(denied.code).toBe("auth:permission-denied");
      expect(denied.message).toMatch(
        new RegExp(`does not let the managing user "${g.inputs.managing.username}" use database "${db}" \\(.+\\)\\. Grant access to it, or check the database name\\.$`),
      );
      expectNoSecrets(denied, [g.managingPassword]);
      await g.cleanup();
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
    await f.cleanup();
  });

  it("Test connection says when only the plaintext form is possible", async () => {
    const f = await fixture({ managingGrants: ["CREATE USER ON *.*"] });
    const result = await mysqlRotator.testConnection({ inputs: f.inputs, context: context() });
    expect(result.details.join("\n")).toContain(
      `Warning: '${f.inputs.username1}'@'%' can only be given its new password in plaintext (the managing user cannot read mysql.user to learn the account's authentication plugin (grant it SELECT ON mysql.user))`,
    );
    const full = await fixture();
    const fine = await mysqlRotator.testConnection({ inputs: full.inputs, context: context() });
    expect(fine.details.join("\n")).not.toContain("plaintext");
    await f.cleanup();
    await full.cleanup();
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

async function listen(onConnection: (socket: import("node:net").Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function closedPort(): Promise<number> {
  const { server, port } = await listen(() => {});
  await new Promise((resolve) => server.close(resolve));
  return port;
}
