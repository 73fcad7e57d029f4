/**
 * postgres rotator against a real, throwaway PostgreSQL 15 cluster with SCRAM authentication (the shared
 * :5432 server trusts every password, so it could not prove anything).
 */
import { execFile } from "node:child_process";
import { createConnection } from "node:net";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PG_BIN, startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { expectNoSecrets, rejection, rotateOnce } from "@/test/support/rotator-contract";
import { describeSqlRotatorContract, listen, type SqlFixture, type SqlFixtureOptions } from "@/test/support/sql-rotator-contract";
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

// Every fixture's roles are dropped after its test, also when the test fails.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
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

type Fixture = SqlFixture<PostgresInputs>;

/** A managing role (CREATEROLE unless told otherwise) and two login roles with known passwords. */
async function fixture(options: SqlFixtureOptions & { managingAttributes?: string } = {}): Promise<Fixture> {
  const managing = options.names?.managing ?? uniq("mgr");
  const u1 = options.names?.u1 ?? uniq("app1");
  const u2 = options.names?.u2 ?? uniq("app2");
  const managingPassword = options.managingPassword ?? `mgr-${uniq("pw")}-secret`;
  const initial = { u1: `init1-${uniq("pw")}-secret`, u2: `init2-${uniq("pw")}-secret` };
  await createRole(managing, managingPassword, options.managingAttributes ?? (options.managingWithoutPrivilege ? "LOGIN" : "LOGIN CREATEROLE"));
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
  const cleanup = () => dropRoles([u1, u2, managing]);
  cleanups.push(cleanup);
  return { inputs, managingPassword, initial, cleanup };
}

const login = (c: Credential | null) => cluster.checkLogin({ username: c!.username!, password: c!.password! });

describeSqlRotatorContract({
  label: "PostgreSQL",
  rotator: postgresRotator,
  fixture,
  login,
  async createCanary() {
    const name = uniq("canary");
    await createRole(name, null, "NOLOGIN");
    return {
      dropSql: `DROP ROLE ${name}`,
      exists: async () => (await cluster.withSuperuser((c) => c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]))).rowCount === 1,
      drop: () => dropRoles([name]),
    };
  },
  revokeManagingPrivilege: async (f) => void (await cluster.withSuperuser((c) => c.query(`ALTER ROLE ${ident(f.inputs.managing.username)} NOCREATEROLE`))),
  account: (_f, username) => `"${username}"`,
  missingUser: (_f, username) => `PostgreSQL role "${username}"`,
  privilegeAdvice: "(grant it CREATEROLE",
  async serverWithoutTls() {
    // Answers PostgreSQL's SSLRequest with 'N' (no TLS), as a server with ssl=off does.
    const plain = await listen((socket) => socket.once("data", () => socket.write("N")));
    return { host: "127.0.0.1", port: plain.port, close: () => new Promise<void>((resolve) => plain.server.close(() => resolve())) };
  },
});

describe("postgres rotator", () => {
  it("sends a SCRAM verifier: the plaintext never reaches the server log", async () => {
    const f = await fixture();
    // Only this test's statements: the cluster is shared with the tests before it.
    const since = cluster.readLog().length;
    const first = await rotateOnce(postgresRotator, f.inputs, empty, context());
    const second = await rotateOnce(postgresRotator, f.inputs, first.state, context());
    const log = cluster.readLog().slice(since);
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
  });

  it("refuses to change the password of the current user", async () => {
    const f = await fixture();
    const { state } = await rotateOnce(postgresRotator, f.inputs, empty, context());
    const pending = { credential: { username: f.inputs.username1, password: "Zz9-another-password" }, data: {} };
    const error = await rejection(postgresRotator.apply({ inputs: f.inputs, state, pending, context: context() }));
    expect(error.code).toBe("internal:unexpected");
    expect(await login(state.current)).toBe(true);
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
  });

  describe("testConnection", () => {
    it("reports the server, the privilege and both users", async () => {
      const f = await fixture();
      const result = await postgresRotator.testConnection({ inputs: f.inputs, context: context() });
      expect(result.details[0]).toMatch(/^Logged in to PostgreSQL 15\.\d+ at 127\.0\.0\.1:\d+ as mgr_/);
      expect(result.details.filter((d) => d.includes("(CREATEROLE)"))).toHaveLength(2);
      expect(result.details.join("\n")).not.toMatch(/Warning/);
      expectNoSecrets(result, [f.managingPassword]);
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

    it("refuses a NOLOGIN user", async () => {
      const f = await fixture({ createU2: false });
      await createRole(f.inputs.username2, null, "NOLOGIN");
      const nologin = await rejection(postgresRotator.testConnection({ inputs: f.inputs, context: context() }));
      expect(nologin.code).toBe("target:rejected");
      expect(nologin.message).toMatch(/may not log in \(NOLOGIN\)/);
    });
  });

  it("a superuser target cannot be changed by a CREATEROLE manager → auth:permission-denied, nothing changed", async () => {
    const f = await fixture();
    const { state } = await rotateOnce(postgresRotator, f.inputs, empty, context());
    await cluster.withSuperuser((c) => c.query(`ALTER ROLE ${ident(f.inputs.username2)} SUPERUSER`));
    const { pending } = await postgresRotator.prepare({ inputs: f.inputs, state, context: context() });
    const error = await rejection(postgresRotator.apply({ inputs: f.inputs, state, pending, context: context() }));
    expect(error.code).toBe("auth:permission-denied");
    expect(await login(state.current)).toBe(true);
    expect(await cluster.checkLogin({ username: f.inputs.username2, password: f.initial.u2 })).toBe(true);
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
    });

    it("verify-full refuses an unknown CA and a host name the certificate does not name", async () => {
      const f = await fixture();
      const noCa = await rejection(
        postgresRotator.testConnection({ inputs: { ...f.inputs, host: "localhost", tls: { mode: "verify-full" } }, context: context() }),
      );
      expect(noCa.code).toBe("target:rejected");
      expect(noCa.message).toMatch(/^The TLS certificate of PostgreSQL at localhost:\d+ was not accepted \(.+\)\. Provide the CA certificate/);
      const wrongName = await rejection(
        postgresRotator.testConnection({ inputs: { ...f.inputs, tls: { mode: "verify-full", ca: cluster.caPem! } }, context: context() }),
      );
      expect(wrongName.code).toBe("target:rejected");
      expect(wrongName.message).toMatch(/127\.0\.0\.1/);
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
