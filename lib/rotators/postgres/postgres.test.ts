/**
 * postgres rotator against a real, throwaway PostgreSQL 15 cluster with SCRAM authentication (the shared
 * :5432 server trusts every password, so it could not prove anything).
 */
import { execFile } from "node:child_process";
import { createConnection, createServer, type Server } from "node:net";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PG_BIN, startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { describeRotatorContract, expectNoSecrets, rotateOnce } from "@/test/support/rotator-contract";
import { isRotatorError, type RotatorError } from "../errors";
import { directConnector } from "../direct-connector";
import type { Credential, RotatorContext, RotatorState } from "../types";
import { postgresRotator } from "./index";
import { postgresInputsSchema, type PostgresInputs } from "./inputs";

let cluster: PgCluster;
let seq = 0;
const roles: string[] = [];

beforeAll(async () => {
  cluster = await startPgCluster({ tls: true, settings: { log_connections: "on" } });
});

afterAll(async () => {
  await cluster?.stop();
});

const ident = pg.escapeIdentifier;
const lit = pg.escapeLiteral;

async function createRole(name: string, password: string | null, attributes = "LOGIN"): Promise<void> {
  await cluster.withSuperuser((c) =>
    c.query(`CREATE ROLE ${ident(name)} ${attributes}${password === null ? "" : ` PASSWORD ${lit(password)}`}`),
  );
  roles.push(name);
}

async function dropRoles(names: string[]): Promise<void> {
  await cluster.withSuperuser(async (c) => {
    for (const name of names) await c.query(`DROP ROLE IF EXISTS ${ident(name)}`);
  });
}

const uniq = (label: string) => `${label}_${process.pid}_${++seq}`;
const context = (extra: Partial<RotatorContext> = {}): RotatorContext => ({
  checkpoint: async () => {},
  sleep: async () => {},
  ...extra,
});
const empty: RotatorState = { current: null, previous: null };

interface Fixture {
  inputs: PostgresInputs;
  managingPassword: string;
  initial: { u1: string; u2: string };
  cleanup(): Promise<void>;
}

/** A managing role (CREATEROLE unless told otherwise) and two login roles with known passwords. */
async function fixture(options: {
  names?: { managing?: string; u1?: string; u2?: string };
  managingAttributes?: string;
  managingPassword?: string;
  createU2?: boolean;
  inputs?: Record<string, unknown>;
} = {}): Promise<Fixture> {
  const managing = options.names?.managing ?? uniq("mgr");
  const u1 = options.names?.u1 ?? uniq("app1");
  const u2 = options.names?.u2 ?? uniq("app2");
  const managingPassword = options.managingPassword ?? `mgr-${uniq("pw")}-secret`;
  const initial = { u1: `init1-${uniq("pw")}-secret`, u2: `init2-${uniq("pw")}-secret` };
  await createRole(managing, managingPassword, options.managingAttributes ?? "LOGIN CREATEROLE");
  await createRole(u1, initial.u1);
  if (options.createU2 !== false) await createRole(u2, initial.u2);
  const inputs = postgresInputsSchema.parse({
    host: cluster.host,
    port: cluster.port,
    database: "postgres",
    tls: { mode: "disable" },
    managing: { username: managing, password: managingPassword },
    username1: u1,
    username2: u2,
    ...options.inputs,
  });
  return { inputs, managingPassword, initial, cleanup: () => dropRoles([u1, u2, managing]) };
}

const login = (c: Credential | null) => cluster.checkLogin({ username: c!.username!, password: c!.password! });

async function caught(promise: Promise<unknown>): Promise<RotatorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRotatorError(error), `expected a RotatorError, got ${String(error)}`).toBe(true);
  return error as RotatorError;
}

describeRotatorContract("postgres", async () => {
  const f = await fixture();
  return {
    rotator: postgresRotator,
    inputs: f.inputs,
    checkLogin: login,
    firstRotation: { username: f.inputs.username1 },
    importedState: { current: { username: f.inputs.username1, password: f.initial.u1 }, previous: null },
    context: { sleep: async () => {} },
    cleanup: f.cleanup,
  };
});

describe("postgres rotator", () => {
  it("alternates users and keeps current and previous working after every rotation", async () => {
    const f = await fixture();
    let state = empty;
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      ({ state } = await rotateOnce(postgresRotator, f.inputs, state, context()));
      order.push(state.current!.username!);
      expect(await login(state.current)).toBe(true);
      if (state.previous) expect(await login(state.previous)).toBe(true);
    }
    expect(order).toEqual([f.inputs.username1, f.inputs.username2, f.inputs.username1, f.inputs.username2]);
    await f.cleanup();
  });

  it("handles quotes, backslashes, SQL fragments and unicode in names and passwords", async () => {
    const canary = uniq("canary");
    await createRole(canary, null, "NOLOGIN");
    const f = await fixture({
      names: {
        managing: `mgr'"\\; DROP ROLE ${canary}; --`,
        u1: `o'brien"; DROP ROLE ${canary}; --`,
        u2: `ünïcødé-用户-🔑\\"'`,
      },
      managingPassword: `p'a"s\\s; DROP ROLE ${canary}; --ü`,
      // Symbols that need escaping in SQL literals, to prove the verifier path does not care.
      inputs: { passwordRules: { specials: `'"\\;%_$` , minSymbols: 4 } },
    });
    let state = empty;
    for (let i = 0; i < 3; i++) {
      ({ state } = await rotateOnce(postgresRotator, f.inputs, state, context()));
      expect(state.current!.password).toMatch(/['"\\;%_$]/);
      expect(await login(state.current)).toBe(true);
      if (state.previous) expect(await login(state.previous)).toBe(true);
    }
    const exists = await cluster.withSuperuser((c) => c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [canary]));
    expect(exists.rowCount).toBe(1);
    await f.cleanup();
    await dropRoles([canary]);
  });

  it("sends a SCRAM verifier: the plaintext never reaches the server log", async () => {
    const f = await fixture();
    const first = await rotateOnce(postgresRotator, f.inputs, empty, context());
    const second = await rotateOnce(postgresRotator, f.inputs, first.state, context());
    const log = cluster.readLog();
    const alters = log.split("\n").filter((line) => line.includes("ALTER ROLE"));
    expect(alters.filter((l) => l.includes(`"${f.inputs.username1}"`) || l.includes(`"${f.inputs.username2}"`))).toHaveLength(2);
    for (const line of alters) expect(line).toMatch(/PASSWORD 'SCRAM-SHA-256\$4096:[^']+'/);
    for (const password of [first.credential.password!, second.credential.password!]) {
      expect(log).not.toContain(password);
    }
    const stored = await cluster.withSuperuser((c) =>
      c.query<{ rolpassword: string }>("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [f.inputs.username1]),
    );
    expect(stored.rows[0]!.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    await f.cleanup();
  });

  it("a resumed apply does not change the password again", async () => {
    const f = await fixture();
    const logs: string[] = [];
    const ctx = context({ log: (m) => logs.push(m) });
    const { pending } = await postgresRotator.prepare({ inputs: f.inputs, state: empty, context: ctx });
    await postgresRotator.apply({ inputs: f.inputs, state: empty, pending, context: ctx });
    await postgresRotator.apply({ inputs: f.inputs, state: empty, pending, context: ctx, resumed: true });
    expect(logs).toEqual(["password changed", "password already set; skipping ALTER"]);
    const alters = cluster.readLog().split("\n").filter((l) => l.includes(`ALTER ROLE "${f.inputs.username1}"`));
    expect(alters).toHaveLength(1);
    await f.cleanup();
  });

  it("refuses to change the password of the current user", async () => {
    const f = await fixture();
    const { state } = await rotateOnce(postgresRotator, f.inputs, empty, context());
    const pending = { credential: { username: f.inputs.username1, password: "Zz9-another-password" }, data: {} };
    const error = await caught(postgresRotator.apply({ inputs: f.inputs, state, pending, context: context() }));
    expect(error.code).toBe("internal:unexpected");
    expect(await login(state.current)).toBe(true);
    await f.cleanup();
  });

  it("a password that reached the server through psql (libpq) works: SASLprep matches for unicode", async () => {
    const f = await fixture();
    const password = "pässwörd-ｆｕｌｌ\u00a0wïdth-e\u0301";
    await directConnector.setPassword({
      connection: { dialect: "postgres", host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "disable" } },
      managing: f.inputs.managing,
      user: { username: f.inputs.username1 },
      newPassword: password,
    });
    expect(await cluster.checkLogin({ username: f.inputs.username1, password })).toBe(true);
    const { stdout } = await promisify(execFile)(
      `${PG_BIN}/psql`,
      ["-X", "-A", "-t", "-h", cluster.host, "-p", String(cluster.port), "-U", f.inputs.username1, "-d", "postgres", "-c", "SELECT 42"],
      { env: { ...process.env, PGPASSWORD: password, PGSSLMODE: "disable", PGCONNECT_TIMEOUT: "5" } },
    );
    expect(stdout.trim()).toBe("42");
    await f.cleanup();
  });

  describe("testConnection", () => {
    it("reports the server, the privilege and both users", async () => {
      const f = await fixture();
      const result = await postgresRotator.testConnection({ inputs: f.inputs, context: context() });
      expect(result.details[0]).toMatch(/^Logged in to PostgreSQL 15\.\d+ at 127\.0\.0\.1:\d+ as mgr_/);
      expect(result.details.filter((d) => d.includes("(CREATEROLE)"))).toHaveLength(2);
      expect(result.details.join("\n")).not.toMatch(/Warning/);
      expectNoSecrets(result, [f.managingPassword]);
      await f.cleanup();
    });

    it("warns when the server accepts any password (trust authentication)", async (ctx) => {
      // The shared development server on :5432 uses trust; skip where it does not run.
      const reachable = await new Promise<boolean>((resolve) => {
        const socket = createConnection({ host: "127.0.0.1", port: 5432 }, () => (socket.destroy(), resolve(true)));
        socket.on("error", () => resolve(false));
      });
      if (!reachable) return ctx.skip();
      const ping = await directConnector.ping({
        connection: { dialect: "postgres", host: "127.0.0.1", port: 5432, database: "postgres", tls: { mode: "disable" } },
        managing: { username: "postgres", password: "whatever-password" },
      });
      expect(ping.warnings.join("\n")).toMatch(/accepted a wrong password for "postgres" \(trust authentication\?\)/);
    });

    it("refuses a managing user without CREATEROLE", async () => {
      const f = await fixture({ managingAttributes: "LOGIN" });
      const error = await caught(postgresRotator.testConnection({ inputs: f.inputs, context: context() }));
      expect(error.code).toBe("auth:permission-denied");
      expect(error.message).toMatch(/lacks the privilege to change the password of ".*" \(grant it CREATEROLE/);
      await f.cleanup();
    });

    it("refuses a missing user and a NOLOGIN user", async () => {
      const f = await fixture({ createU2: false });
      const missing = await caught(postgresRotator.testConnection({ inputs: f.inputs, context: context() }));
      expect(missing.code).toBe("target:user-not-found");
      expect(missing.message).toContain(`PostgreSQL role "${f.inputs.username2}" does not exist`);
      await createRole(f.inputs.username2, null, "NOLOGIN");
      const nologin = await caught(postgresRotator.testConnection({ inputs: f.inputs, context: context() }));
      expect(nologin.code).toBe("target:rejected");
      expect(nologin.message).toMatch(/may not log in \(NOLOGIN\)/);
      await f.cleanup();
    });
  });

  describe("failures are clear, leak nothing and change nothing", () => {
    /** Rotate once so there is a current; then a failing second rotation must leave both users as they were. */
    async function afterOneRotation(fixtureOptions: Parameters<typeof fixture>[0] = {}) {
      const f = await fixture(fixtureOptions);
      const first = await rotateOnce(postgresRotator, f.inputs, empty, context());
      return { f, state: first.state };
    }

    async function expectUnchanged(f: Fixture, state: RotatorState) {
      expect(await login(state.current)).toBe(true);
      expect(await cluster.checkLogin({ username: f.inputs.username2, password: f.initial.u2 })).toBe(true);
    }

    async function failingRotation(inputs: PostgresInputs, state: RotatorState) {
      const { pending } = await postgresRotator.prepare({ inputs, state, context: context() });
      const error = await caught(postgresRotator.apply({ inputs, state, pending, context: context() }));
      return { error, pending };
    }

    it("wrong managing password → auth:managing-login-failed", async () => {
      const { f, state } = await afterOneRotation();
      const wrong = "Wrong'managing\\password-ü";
      const inputs = { ...f.inputs, managing: { ...f.inputs.managing, password: wrong } };
      const { error, pending } = await failingRotation(inputs, state);
      expect(error.code).toBe("auth:managing-login-failed");
      expect(error.message).toBe(`PostgreSQL rejected the managing user "${f.inputs.managing.username}": wrong password or the user may not log in.`);
      expect(error.retryable).toBe(false);
      expectNoSecrets(error, [wrong, f.managingPassword, pending.credential!.password, state.current!.password]);
      await expectUnchanged(f, state);
      await f.cleanup();
    });

    it("managing user without CREATEROLE → auth:permission-denied", async () => {
      const { f, state } = await afterOneRotation();
      await cluster.withSuperuser((c) => c.query(`ALTER ROLE ${ident(f.inputs.managing.username)} NOCREATEROLE`));
      const { error, pending } = await failingRotation(f.inputs, state);
      expect(error.code).toBe("auth:permission-denied");
      expect(error.message).toContain(
        `Managing user "${f.inputs.managing.username}" lacks the privilege to change the password of "${f.inputs.username2}" (grant it CREATEROLE`,
      );
      expectNoSecrets(error, [f.managingPassword, pending.credential!.password]);
      await expectUnchanged(f, state);
      await f.cleanup();
    });

    it("a superuser target cannot be changed by a CREATEROLE manager → auth:permission-denied", async () => {
      const { f, state } = await afterOneRotation();
      await cluster.withSuperuser((c) => c.query(`ALTER ROLE ${ident(f.inputs.username2)} SUPERUSER`));
      const { error } = await failingRotation(f.inputs, state);
      expect(error.code).toBe("auth:permission-denied");
      await expectUnchanged(f, state);
      await f.cleanup();
    });

    it("rotated user missing → target:user-not-found", async () => {
      const f = await fixture({ createU2: false });
      const first = await rotateOnce(postgresRotator, f.inputs, empty, context());
      const { error, pending } = await failingRotation(f.inputs, first.state);
      expect(error.code).toBe("target:user-not-found");
      expect(error.message).toBe(
        `PostgreSQL role "${f.inputs.username2}" does not exist at ${cluster.host}:${cluster.port}. Create it before rotating, or fix the username.`,
      );
      expectNoSecrets(error, [f.managingPassword, pending.credential!.password]);
      expect(await login(first.state.current)).toBe(true);
      await f.cleanup();
    });

    it("closed port → target:unreachable (retryable)", async () => {
      const f = await fixture();
      const closed = await closedPort();
      const inputs = { ...f.inputs, port: closed };
      const error = await caught(postgresRotator.testConnection({ inputs, context: context() }));
      expect(error.code).toBe("target:unreachable");
      expect(error.retryable).toBe(true);
      expect(error.message).toBe(`Cannot reach PostgreSQL at 127.0.0.1:${closed} (connection refused). Check host, port and network access.`);
      const { error: applyError, pending } = await failingRotation(inputs, empty);
      expect(applyError.code).toBe("target:unreachable");
      expectNoSecrets(applyError, [f.managingPassword, pending.credential!.password]);
      await f.cleanup();
    });

    it("a server that never answers → target:unreachable after the timeout", async () => {
      const f = await fixture();
      const silent = await listen((socket) => socket.on("data", () => {}));
      try {
        const inputs = { ...f.inputs, port: silent.port, timeoutMs: 300 };
        const started = Date.now();
        const error = await caught(postgresRotator.testConnection({ inputs, context: context() }));
        expect(Date.now() - started).toBeLessThan(3000);
        expect(error.code).toBe("target:unreachable");
        expect(error.message).toBe(`Cannot reach PostgreSQL at 127.0.0.1:${silent.port} (no answer within 0.3s). Check host, port and network access.`);
      } finally {
        silent.server.close();
        await f.cleanup();
      }
    });

    it("unknown database → target:rejected", async () => {
      const f = await fixture();
      const error = await caught(postgresRotator.testConnection({ inputs: { ...f.inputs, database: "no_such_db" }, context: context() }));
      expect(error.code).toBe("target:rejected");
      expect(error.message).toContain(`Database "no_such_db" does not exist on PostgreSQL at`);
      await f.cleanup();
    });

    it("verify with a wrong password → auth:verify-failed, retried, without the password", async () => {
      const f = await fixture();
      const sleeps: number[] = [];
      const credential = { username: f.inputs.username1, password: "Not-the-password-123" };
      const error = await caught(
        postgresRotator.verify({ inputs: f.inputs, credential, context: context({ sleep: async (ms) => void sleeps.push(ms) }) }),
      );
      expect(error.code).toBe("auth:verify-failed");
      expect(error.message).toContain(`The new password of "${f.inputs.username1}" does not work`);
      expect(sleeps).toEqual([500, 1500]);
      expectNoSecrets(error, [credential.password]);
      await f.cleanup();
    });
  });

  describe("TLS", () => {
    it("disable, require and verify-full (CA + host name) connect; the server sees TLS", async () => {
      const f = await fixture();
      const ca = cluster.caPem!;
      for (const tls of [{ mode: "require" }, { mode: "verify-full", ca }]) {
        const inputs = postgresInputsSchema.parse({ ...f.inputs, host: "localhost", tls });
        await expect(postgresRotator.testConnection({ inputs, context: context() })).resolves.toMatchObject({ ok: true });
      }
      const { state } = await rotateOnce(postgresRotator, postgresInputsSchema.parse({ ...f.inputs, host: "localhost", tls: { mode: "verify-full", ca } }), empty, context());
      expect(await login(state.current)).toBe(true);
      const tlsLogins = cluster.readLog().split("\n").filter((l) => l.includes(`user=${f.inputs.managing.username} `) && /SSL enabled/.test(l));
      expect(tlsLogins.length).toBeGreaterThanOrEqual(3);
      await f.cleanup();
    });

    it("verify-full refuses an unknown CA and a host name the certificate does not name", async () => {
      const f = await fixture();
      const noCa = await caught(
        postgresRotator.testConnection({ inputs: { ...f.inputs, host: "localhost", tls: { mode: "verify-full" } }, context: context() }),
      );
      expect(noCa.code).toBe("target:rejected");
      expect(noCa.message).toMatch(/^The TLS certificate of PostgreSQL at localhost:\d+ was not accepted \(.+\)\. Provide the CA certificate/);
      const wrongName = await caught(
        postgresRotator.testConnection({ inputs: { ...f.inputs, tls: { mode: "verify-full", ca: cluster.caPem! } }, context: context() }),
      );
      expect(wrongName.code).toBe("target:rejected");
      expect(wrongName.message).toMatch(/127\.0\.0\.1/);
      await f.cleanup();
    });

    it("require against a server without TLS → target:rejected with a way out", async () => {
      // Answers PostgreSQL's SSLRequest with 'N' (no TLS), as a server with ssl=off does.
      const plain = await listen((socket) => socket.once("data", () => socket.write("N")));
      try {
        const f = await fixture();
        const error = await caught(
          postgresRotator.testConnection({ inputs: { ...f.inputs, port: plain.port, tls: { mode: "require" } }, context: context() }),
        );
        expect(error.code).toBe("target:rejected");
        expect(error.message).toBe(
          `PostgreSQL at 127.0.0.1:${plain.port} does not accept TLS connections. Enable TLS on the server, or set TLS mode to "disable" only on a trusted network.`,
        );
        await f.cleanup();
      } finally {
        plain.server.close();
      }
    });
  });
});

describe("postgres inputs", () => {
  it("defaults port, database and TLS (require)", () => {
    const inputs = postgresInputsSchema.parse({
      host: "db.example.com",
      managing: { username: "admin", password: "x" },
      username1: "app1",
      username2: "app2",
    });
    expect(inputs).toMatchObject({ port: 5432, database: "postgres", tls: { mode: "require" } });
    expect(postgresRotator.secretInputPaths).toEqual(["managing.password"]);
  });

  it("rejects identical users, the managing user as a rotated user, and over-long role names", () => {
    const base = { host: "h", managing: { username: "admin", password: "x" }, username1: "a", username2: "b" };
    const issues = (v: object) => postgresInputsSchema.safeParse({ ...base, ...v }).error?.issues.map((i) => i.message) ?? [];
    expect(issues({ username2: "a" })).toContain("username2 must be a different user from username1");
    expect(issues({ username1: "admin" })).toContain("username1 must not be the managing user");
    expect(issues({ username1: "é".repeat(32) })).toContain("username1 is longer than PostgreSQL's 63-byte limit");
    expect(issues({ tls: { mode: "verify-full", ca: "not a pem" } })).toContain(
      "ca must be a PEM certificate (-----BEGIN CERTIFICATE-----)",
    );
    expect(issues({ port: 70000 })).toContain("port must be between 1 and 65535");
  });
});

async function listen(onConnection: (socket: import("node:net").Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** A port nothing listens on: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const { server, port } = await listen(() => {});
  await new Promise((resolve) => server.close(resolve));
  return port;
}
