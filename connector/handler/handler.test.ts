/**
 * The connector handler, called the way Lambda calls it (a parsed event in, an answer out), against a real
 * password-checking PostgreSQL (SCRAM, TLS) and the real MariaDB: ping, rotate, verify; and the requests it
 * must refuse — unsigned, wrongly signed, tampered, stale, replayed, plaintext by default — before it touches
 * a database. Its log lines must never contain a password.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { connectMysqlAdmin, type MysqlAdmin } from "@/test/support/mysql-admin";
import { encodeOperation, type ConnectorOperation, type OperationAnswer } from "@/lib/connectors/protocol";
import { generateConnectorSecret, openAnswer, signRequest, type SignedRequest } from "@/lib/connectors/signing";
import type { DatabaseConnection } from "@/lib/rotators/sql/connector";
import { configFromEnv, createHandler, type ConnectorHandler } from "./handler";

let cluster: PgCluster;
let mysqlAdmin: MysqlAdmin;
const secret = generateConnectorSecret();
const logs: Record<string, unknown>[] = [];
const passwords: string[] = [];
const handler: ConnectorHandler = createHandler({ secrets: [secret], log: (entry) => logs.push(entry) });

const MANAGER = { username: "conn_manager", password: "m4nager-'pass\"word" };
const APP = { username: "conn_app", password: "initial-app-password" };
passwords.push(MANAGER.password, APP.password);

beforeAll(async () => {
  [cluster, mysqlAdmin] = await Promise.all([startPgCluster({ tls: true }), connectMysqlAdmin()]);
  await cluster.withSuperuser(async (c) => {
    await c.query(`create role ${MANAGER.username} login createrole password ${pg.escapeLiteral(MANAGER.password)}`);
    await c.query(`create role ${APP.username} login password ${pg.escapeLiteral(APP.password)}`);
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await mysqlAdmin?.dropAll();
});

function pgConnection(tls: DatabaseConnection["tls"] = { mode: "require" }): DatabaseConnection {
  return { dialect: "postgres", host: cluster.host, port: cluster.port, database: "postgres", tls };
}

async function call<T>(operation: ConnectorOperation, options: { key?: string; handle?: ConnectorHandler } = {}): Promise<OperationAnswer<T>> {
  const request = signRequest(options.key ?? secret, encodeOperation(operation));
  const answer = await (options.handle ?? handler)(JSON.parse(JSON.stringify(request)), { awsRequestId: "req-1" });
  const opened = openAnswer(options.key ?? secret, request.nonce, answer);
  if (!opened.ok) throw new Error(`refused: ${JSON.stringify(answer)}`);
  return JSON.parse(opened.body) as OperationAnswer<T>;
}

describe("connector handler: PostgreSQL", () => {
  it("answers hello with its settings, signed", async () => {
    expect(await call({ op: "hello" })).toEqual({
      ok: true,
      result: { handler: "rotor-connector", protocol: 1, runtime: process.version, allowPlaintext: false, replayWindowSeconds: 300 },
    });
  });

  it("pings as the managing user over TLS and inspects the users", async () => {
    const answer = await call<{ serverVersion: string; authenticatedAs: string; users: unknown[] }>({
      op: "ping",
      request: { connection: pgConnection(), managing: MANAGER, users: [{ username: APP.username }, { username: "no_such_role" }] },
    });
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.result.serverVersion).toMatch(/PostgreSQL 15/);
    expect(answer.result.authenticatedAs).toBe(MANAGER.username);
    expect(answer.result.users).toEqual([
      expect.objectContaining({ username: APP.username, exists: true, changeable: true }),
      expect.objectContaining({ username: "no_such_role", exists: false }),
    ]);
  });

  it("rotates and verifies from inside: the new password works, the old one does not", async () => {
    const newPassword = "rotated-by-the-connector-0001";
    passwords.push(newPassword);
    expect(await call({ op: "rotate", request: { connection: pgConnection(), managing: MANAGER, user: { username: APP.username }, newPassword } })).toEqual({
      ok: true,
      result: { ok: true },
    });
    expect(await cluster.checkLogin({ username: APP.username, password: newPassword })).toBe(true);
    expect(await cluster.checkLogin({ username: APP.username, password: APP.password })).toBe(false);
    expect(await call({ op: "verify", request: { connection: pgConnection(), user: { username: APP.username }, password: newPassword } })).toEqual({
      ok: true,
      result: { ok: true },
    });
    const refused = await call<{ ok: boolean; reason?: string }>({
      op: "verify",
      request: { connection: pgConnection({ mode: "verify-full", ca: cluster.caPem }), user: { username: APP.username }, password: APP.password },
    });
    // verify-full to 127.0.0.1 fails the host name check (the certificate is for localhost): an error, not a refusal.
    expect(refused).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^target:|^auth:/) } });
    const wrong = await call<{ ok: boolean; reason?: string }>({
      op: "verify",
      request: { connection: { ...pgConnection({ mode: "verify-full", ca: cluster.caPem }), host: "localhost" }, user: { username: APP.username }, password: APP.password },
    });
    expect(wrong).toMatchObject({ ok: true, result: { ok: false, reason: expect.stringContaining("refused the login") } });
  });

  it("answers structured errors with redacted messages (wrong managing password)", async () => {
    const badPassword = "definitely-not-the-managing-password";
    passwords.push(badPassword);
    const answer = await call({ op: "rotate", request: { connection: pgConnection(), managing: { username: MANAGER.username, password: badPassword }, user: { username: APP.username }, newPassword: "x-new-password-x" } });
    expect(answer).toMatchObject({ ok: false, error: { code: "auth:managing-login-failed", retryable: false } });
    expect(JSON.stringify(answer)).not.toContain(badPassword);
  });

  it("refuses plaintext connections unless the Lambda's owner allows them", async () => {
    const answer = await call({ op: "ping", request: { connection: pgConnection({ mode: "disable" }), managing: MANAGER } });
    expect(answer).toMatchObject({ ok: false, error: { code: "input:invalid", message: expect.stringContaining("ROTOR_CONNECTOR_ALLOW_PLAINTEXT") } });
    expect(configFromEnv({ ROTOR_CONNECTOR_SECRET: ` ${secret} , other `, ROTOR_CONNECTOR_ALLOW_PLAINTEXT: "true", ROTOR_CONNECTOR_REPLAY_WINDOW_SECONDS: "120" })).toEqual({
      secrets: [secret, "other"],
      allowPlaintext: true,
      replayWindowSeconds: 120,
    });
    expect(configFromEnv({})).toEqual({ secrets: [], allowPlaintext: false, replayWindowSeconds: 300 });
  });

  it("refuses invalid operations and other protocol versions", async () => {
    expect(await call({ op: "rotate", request: { connection: pgConnection(), managing: MANAGER } } as unknown as ConnectorOperation)).toMatchObject({
      ok: false,
      error: { code: "input:invalid" },
    });
    const request = signRequest(secret, JSON.stringify({ v: 2, op: "hello" }));
    const opened = openAnswer(secret, request.nonce, await handler(request));
    expect(opened.ok && JSON.parse(opened.body)).toMatchObject({ ok: false, error: { message: expect.stringContaining("protocol 1") } });
  });
});

describe("connector handler: refused requests", () => {
  const ping = (): ConnectorOperation => ({ op: "ping", request: { connection: pgConnection(), managing: MANAGER } });

  async function refusal(event: unknown, handle: ConnectorHandler = handler) {
    const before = await cluster.withSuperuser(async (c) => Number((await c.query("select count(*) from pg_stat_activity")).rows[0].count));
    const answer = (await handle(event)) as { refused?: { code: string } };
    expect(answer.refused, JSON.stringify(answer)).toBeDefined();
    expect(await cluster.withSuperuser(async (c) => Number((await c.query("select count(*) from pg_stat_activity")).rows[0].count))).toBe(before);
    return answer.refused!.code;
  }

  it("refuses unsigned events (e.g. an ESC-style event)", async () => {
    expect(await refusal({ type: "postgres", host: cluster.host, port: cluster.port, managingUser: MANAGER, rotateUser: { ...APP, newPassword: "x" } })).toBe("malformed");
  });

  it("refuses a request signed with another secret", async () => {
    expect(await refusal(signRequest(generateConnectorSecret(), encodeOperation(ping())))).toBe("bad-signature");
  });

  it("refuses a tampered body", async () => {
    const request: SignedRequest = signRequest(secret, encodeOperation(ping()));
    const tampered = { ...request, body: request.body.replace(MANAGER.username, "postgres") };
    expect(tampered.body).not.toBe(request.body);
    expect(await refusal(tampered)).toBe("bad-signature");
  });

  it("refuses stale and future requests", async () => {
    expect(await refusal(signRequest(secret, encodeOperation(ping()), Date.now() - 301_000))).toBe("stale");
    expect(await refusal(signRequest(secret, encodeOperation(ping()), Date.now() + 301_000))).toBe("stale");
  });

  it("refuses a replayed request", async () => {
    const request = signRequest(secret, encodeOperation({ op: "hello" }));
    expect((await handler(request)) as object).toHaveProperty("sig");
    expect(await refusal(request)).toBe("replayed");
  });

  it("refuses everything when no secret is configured", async () => {
    expect(await refusal(signRequest(secret, encodeOperation({ op: "hello" })), createHandler({ secrets: [], log: () => {} }))).toBe("not-configured");
  });

  it("never logged a password", () => {
    const text = JSON.stringify(logs);
    expect(logs.length).toBeGreaterThan(5);
    for (const p of passwords) expect(text).not.toContain(p);
    expect(logs).toContainEqual(expect.objectContaining({ msg: "request refused", reason: "bad-signature" }));
    expect(logs).toContainEqual(expect.objectContaining({ msg: "done", op: "rotate", user: APP.username, dialect: "postgres", tls: "require" }));
  });
});

describe("connector handler: MariaDB", () => {
  it("pings, rotates and verifies (plaintext allowed explicitly: the test server has no TLS)", async () => {
    const plaintext = createHandler({ secrets: [secret], allowPlaintext: true, log: () => {} });
    const managing = await mysqlAdmin.createUser({ password: "mgr-connector-pw", grants: ["CREATE USER ON *.*", "SELECT ON mysql.user"] });
    const app = await mysqlAdmin.createUser({ password: "app-initial-pw" });
    const connection: DatabaseConnection = { dialect: "mysql", host: mysqlAdmin.host, port: mysqlAdmin.port, tls: { mode: "disable" } };
    const login = { username: managing.username, password: managing.password };
    const user = { username: app.username, host: "%" };

    const ping = await call<{ serverVersion: string; users: unknown[] }>({ op: "ping", request: { connection, managing: login, users: [user] } }, { handle: plaintext });
    expect(ping).toMatchObject({ ok: true, result: { serverVersion: expect.stringMatching(/MariaDB/), users: [expect.objectContaining({ username: app.username, exists: true })] } });

    const newPassword = "mariadb-rotated-by-connector";
    expect(await call({ op: "rotate", request: { connection, managing: login, user, newPassword } }, { handle: plaintext })).toEqual({ ok: true, result: { ok: true } });
    expect(await mysqlAdmin.checkLogin({ username: app.username, password: newPassword })).toBe(true);
    expect(await mysqlAdmin.checkLogin({ username: app.username, password: app.password })).toBe(false);
    expect(await call({ op: "verify", request: { connection, user, password: newPassword } }, { handle: plaintext })).toEqual({ ok: true, result: { ok: true } });
    expect(await call({ op: "verify", request: { connection, user, password: app.password } }, { handle: plaintext })).toMatchObject({ ok: true, result: { ok: false } });
    // The default handler refuses the same plaintext request.
    expect(await call({ op: "verify", request: { connection, user, password: newPassword } })).toMatchObject({ ok: false, error: { code: "input:invalid" } });
  });
});
