/**
 * What every SQL dialect's two-user rotator keeps beyond the rotator contract (./rotator-contract.ts, which
 * describeSqlRotatorContract runs first), run once per dialect against its real server
 * (lib/rotators/postgres/postgres.test.ts, mysql/mysql.test.ts):
 *
 * - the two users alternate, and current and previous both log in after every rotation;
 * - hostile names and passwords (quotes, backslashes, SQL fragments, unicode) rotate, and the SQL fragments
 *   they carry run nowhere (a canary account survives);
 * - Check rotation (preflight) names a missing user, a wrong managing password and a missing privilege, each
 *   with what to fix, and skips what depends on them;
 * - each failure a user can cause is a RotatorError with the dialect's clear message, naming no secret and
 *   changing nothing: a wrong managing password, a managing user without the privilege, a missing rotated
 *   user, a missing database, a new password that does not work (retried first), a closed port, a server that
 *   never answers, a server without TLS when TLS is required.
 *
 * The dialect gives its fixtures (fresh accounts for each test) and its wording; the fixtures' accounts are
 * dropped after each test, in afterEach, also when the test fails.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { runPreflight } from "@/lib/rotators/preflight";
import type { CheckLine, Credential, RotatorDefinition, RotatorState } from "@/lib/rotators/types";
import { describeRotatorContract, expectNoSecrets, rejection, rotateOnce, type ContractTarget } from "./rotator-contract";

/** The inputs every SQL dialect shares (lib/rotators/sql/inputs.ts). */
export interface SqlInputs {
  host: string;
  port: number;
  managing: { username: string; password: string };
  username1: string;
  username2: string;
  timeoutMs?: number;
  tls: { mode: string };
}

export interface SqlFixtureOptions {
  names?: { managing?: string; u1?: string; u2?: string };
  managingPassword?: string;
  /** A managing user that may log in and see the users but lacks the privilege to change their passwords. */
  managingWithoutPrivilege?: boolean;
  createU2?: boolean;
  /** A managing user that may read every database: MySQL tells a missing database from a forbidden one only to
   *  such a user (PostgreSQL tells every user; its fixture ignores this). */
  managingSeesEveryDatabase?: boolean;
  inputs?: Record<string, unknown>;
}

export interface SqlFixture<I extends SqlInputs> {
  inputs: I;
  managingPassword: string;
  /** The rotated users' passwords before any rotation. */
  initial: { u1: string; u2: string };
  cleanup(): Promise<void>;
}

export interface SqlDialectUnderTest<I extends SqlInputs> {
  /** As messages name the server: "PostgreSQL", "MySQL". */
  label: string;
  rotator: RotatorDefinition<I>;
  fixture(options?: SqlFixtureOptions): Promise<SqlFixture<I>>;
  /** Whether the credential logs in, without the rotator's code. */
  login(credential: Credential): Promise<boolean>;
  /** An account the hostile names try to drop with their SQL fragments (`dropSql`, e.g. DROP ROLE "x"). */
  createCanary(): Promise<{ dropSql: string; exists(): Promise<boolean>; drop(): Promise<void> }>;
  /** Takes the privilege to change passwords from the fixture's managing user. */
  revokeManagingPrivilege(fixture: SqlFixture<I>): Promise<void>;
  /** How messages name a rotated user: `"app"` (PostgreSQL), `'app'@'%'` (MySQL). */
  account(fixture: SqlFixture<I>, username: string): string;
  /** What a missing rotated user is called: `PostgreSQL role "app"`, `MySQL account 'app'@'%'`. */
  missingUser(fixture: SqlFixture<I>, username: string): string;
  /** The grant the permission message advises, as it ends the message. */
  privilegeAdvice: string;
  /** A server at this dialect's port that speaks the protocol but offers no TLS (the real one, or a fake). */
  serverWithoutTls(): Promise<{ host: string; port: number; close(): Promise<void> }>;
}

/** What the rotator contract needs of a SQL fixture: its inputs, its login check, its users' passwords. */
function sqlContractTarget<I extends SqlInputs>(f: SqlFixture<I>, login: (credential: Credential) => Promise<boolean>): ContractTarget<I> {
  return {
    inputs: f.inputs,
    checkLogin: login,
    firstRotation: { username: f.inputs.username1 },
    importedState: { current: { username: f.inputs.username1, password: f.initial.u1 }, previous: null },
    withWrongManagingLogin: (inputs) => ({ ...inputs, managing: { ...inputs.managing, password: `${inputs.managing.password}-wrong` } }),
    context: { sleep: async () => {} },
  };
}

/** The rotator contract (named after the type) and then the SQL cases, against the dialect's fixtures. */
export function describeSqlRotatorContract<I extends SqlInputs>(dialect: SqlDialectUnderTest<I>): void {
  const { rotator, label } = dialect;
  describeRotatorContract(rotator.type, { rotator }, async () => sqlContractTarget(await dialect.fixture(), dialect.login));

  const empty: RotatorState = { current: null, previous: null };
  const context = () => ({ checkpoint: async () => {}, sleep: async () => {} });

  describe(`SQL rotator contract: ${label}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      while (cleanups.length) await cleanups.pop()!();
    });
    const fixture = async (options?: SqlFixtureOptions) => {
      const f = await dialect.fixture(options);
      cleanups.push(() => f.cleanup());
      return f;
    };
    const works = async (credential: Credential | null) => expect(await dialect.login(credential!), "credential should work").toBe(true);

    it("alternates users and keeps current and previous working after every rotation", async () => {
      const f = await fixture();
      let state = empty;
      const order: string[] = [];
      for (let i = 0; i < 4; i++) {
        ({ state } = await rotateOnce(rotator, f.inputs, state, context()));
        order.push(state.current!.username!);
        await works(state.current);
        if (state.previous) await works(state.previous);
      }
      expect(order).toEqual([f.inputs.username1, f.inputs.username2, f.inputs.username1, f.inputs.username2]);
      expect(Object.keys(state.current!).sort()).toEqual(["password", "username"]);
    });

    it("handles quotes, backslashes, SQL fragments and unicode in names and passwords", async () => {
      const canary = await dialect.createCanary();
      cleanups.push(() => canary.drop());
      const drop = `${canary.dropSql}; --`;
      const f = await fixture({
        names: { managing: `m'"\\; ${drop}`, u1: `o'brien"; ${drop}`, u2: `ünïcødé-用户\\"'?` },
        managingPassword: `p'a"s\\s; ${drop}ü?`,
        // Symbols that need escaping in SQL literals, so the path that sends the password must handle them.
        inputs: { passwordRules: { specials: `'"\\;%_$?`, minSymbols: 4 } },
      });
      let state = empty;
      for (let i = 0; i < 3; i++) {
        ({ state } = await rotateOnce(rotator, f.inputs, state, context()));
        expect(state.current!.password).toMatch(/['"\\;%_$?]/);
        await works(state.current);
        if (state.previous) await works(state.previous);
      }
      expect(await canary.exists(), "the canary survives the names' SQL fragments").toBe(true);
    });

    it("testConnection refuses a missing rotated user and a managing user without the privilege", async () => {
      const missing = await fixture({ createU2: false });
      const noUser = await rejection(rotator.testConnection({ inputs: missing.inputs, context: context() }));
      expect(noUser.code).toBe("target:user-not-found");
      expect(noUser.message).toContain(`${dialect.missingUser(missing, missing.inputs.username2)} does not exist at`);
      const weak = await fixture({ managingWithoutPrivilege: true });
      const denied = await rejection(rotator.testConnection({ inputs: weak.inputs, context: context() }));
      expect(denied.code).toBe("auth:permission-denied");
      expect(denied.message).toContain(`Managing user "${weak.inputs.managing.username}" lacks the privilege to change the password of ${dialect.account(weak, weak.inputs.username1)} (grant it `);
      expect(denied.message).toContain(dialect.privilegeAdvice);
      expectNoSecrets(denied, [weak.managingPassword]);
    });

    describe("Check rotation (preflight) says what fails and what to fix", () => {
      const check = async (inputs: I): Promise<Map<string, CheckLine>> => {
        const { checks } = await runPreflight(rotator, { inputs, state: empty, context: context() });
        for (const line of checks) if (line.status === "failed") expect(line.fix, `${line.id} has a fix`).toBeTruthy();
        return new Map(checks.map((line) => [line.id, line]));
      };

      it("names a missing user and skips what depends on it", async () => {
        const f = await fixture({ createU2: false });
        const lines = await check(f.inputs);
        expect(lines.get(`user:${f.inputs.username2}`)).toMatchObject({ status: "failed", code: "target:user-not-found", retryable: false });
        expect(lines.get(`user:${f.inputs.username2}`)!.fix).toBe("Create both users before the first rotation, or fix the username.");
        expect(lines.get(`privilege:${f.inputs.username2}`)!.status).toBe("skipped");
      });

      it("reaches the server but fails the managing login on a wrong password, and skips the users", async () => {
        const f = await fixture();
        const wrong = "not-the-password";
        const lines = await check({ ...f.inputs, managing: { ...f.inputs.managing, password: wrong } });
        expect(lines.get("reach")!.status).toBe("ok");
        expect(lines.get("managing-login")).toMatchObject({ status: "failed", code: "auth:managing-login-failed", retryable: false });
        expect([...lines.values()].filter((l) => l.id.startsWith("user:")).every((l) => l.status === "skipped")).toBe(true);
        expectNoSecrets([...lines.values()], [wrong, f.managingPassword]);
      });

      it("fails the privilege lines of a managing user without the privilege", async () => {
        const f = await fixture({ managingWithoutPrivilege: true });
        const lines = await check(f.inputs);
        for (const username of [f.inputs.username1, f.inputs.username2]) {
          expect(lines.get(`user:${username}`)!.status).toBe("ok");
          expect(lines.get(`privilege:${username}`)).toMatchObject({ status: "failed", code: "auth:permission-denied", retryable: false });
        }
      });
    });

    describe("failures are clear, leak nothing and change nothing", () => {
      /** Rotate once so there is a current; a failing second rotation must then leave both users as they were. */
      async function afterOneRotation() {
        const f = await fixture();
        const first = await rotateOnce(rotator, f.inputs, empty, context());
        return { f, state: first.state };
      }
      async function expectUnchanged(f: SqlFixture<I>, state: RotatorState) {
        await works(state.current);
        expect(await dialect.login({ username: f.inputs.username2, password: f.initial.u2 }), "the standby user keeps its password").toBe(true);
      }
      async function failingRotation(inputs: I, state: RotatorState) {
        const { pending } = await rotator.prepare({ inputs, state, context: context() });
        const error = await rejection(rotator.apply({ inputs, state, pending, context: context() }));
        return { error, pending };
      }

      it("wrong managing password → auth:managing-login-failed", async () => {
        const { f, state } = await afterOneRotation();
        const wrong = "Wrong'managing\\password-ü";
        const inputs = { ...f.inputs, managing: { ...f.inputs.managing, password: wrong } };
        const { error, pending } = await failingRotation(inputs, state);
        expect(error.code).toBe("auth:managing-login-failed");
        expect(error.message).toBe(`${label} rejected the managing user "${f.inputs.managing.username}": wrong password or the user may not log in.`);
        expect(error.retryable).toBe(false);
        expectNoSecrets(error, [wrong, f.managingPassword, pending.credential!.password, state.current!.password]);
        await expectUnchanged(f, state);
      });

      it("managing user without the privilege → auth:permission-denied", async () => {
        const { f, state } = await afterOneRotation();
        await dialect.revokeManagingPrivilege(f);
        const { error, pending } = await failingRotation(f.inputs, state);
        expect(error.code).toBe("auth:permission-denied");
        expect(error.message).toContain(`Managing user "${f.inputs.managing.username}" lacks the privilege to change the password of ${dialect.account(f, f.inputs.username2)} (grant it `);
        expect(error.message).toContain(dialect.privilegeAdvice);
        expectNoSecrets(error, [f.managingPassword, pending.credential!.password]);
        await expectUnchanged(f, state);
      });

      it("rotated user missing → target:user-not-found", async () => {
        const f = await fixture({ createU2: false });
        const first = await rotateOnce(rotator, f.inputs, empty, context());
        const { error, pending } = await failingRotation(f.inputs, first.state);
        expect(error.code).toBe("target:user-not-found");
        expect(error.message).toBe(
          `${dialect.missingUser(f, f.inputs.username2)} does not exist at ${f.inputs.host}:${f.inputs.port}. Create it before rotating, or fix the username.`,
        );
        expectNoSecrets(error, [f.managingPassword, pending.credential!.password]);
        await works(first.state.current);
      });

      it("unknown database → target:rejected", async () => {
        const f = await fixture({ managingSeesEveryDatabase: true });
        const error = await rejection(rotator.testConnection({ inputs: { ...f.inputs, database: "rt_no_such_db" }, context: context() }));
        expect(error.code).toBe("target:rejected");
        expect(error.message).toBe(`Database "rt_no_such_db" does not exist on ${label} at ${f.inputs.host}:${f.inputs.port}. Check the database name.`);
        expectNoSecrets(error, [f.managingPassword]);
      });

      it("verify with a wrong password → auth:verify-failed, retried, without the password", async () => {
        const f = await fixture();
        const sleeps: number[] = [];
        const credential = { username: f.inputs.username1, password: "Not-the-password-123" };
        const error = await rejection(
          rotator.verify({ inputs: f.inputs, credential, context: { ...context(), sleep: async (ms: number) => void sleeps.push(ms) } }),
        );
        expect(error.code).toBe("auth:verify-failed");
        expect(error.message).toContain(`The new password of ${dialect.account(f, f.inputs.username1)} does not work`);
        expect(sleeps).toEqual([500, 1500]);
        expectNoSecrets(error, [credential.password]);
      });

      it("closed port → target:unreachable (retryable)", async () => {
        const f = await fixture();
        const closed = await freePort();
        const inputs = { ...f.inputs, port: closed };
        const error = await rejection(rotator.testConnection({ inputs, context: context() }));
        expect(error.code).toBe("target:unreachable");
        expect(error.retryable).toBe(true);
        expect(error.message).toBe(`Cannot reach ${label} at 127.0.0.1:${closed} (connection refused). Check host, port and network access.`);
        const { error: applyError, pending } = await failingRotation(inputs, empty);
        expect(applyError.code).toBe("target:unreachable");
        expectNoSecrets(applyError, [f.managingPassword, pending.credential!.password]);
      });

      it("a server that never answers → target:unreachable after the timeout", async () => {
        const f = await fixture();
        const silent = await listen((socket) => socket.on("data", () => {}));
        cleanups.push(() => new Promise((resolve) => silent.server.close(() => resolve())));
        const inputs = { ...f.inputs, port: silent.port, timeoutMs: 300 };
        const started = Date.now();
        const error = await rejection(rotator.testConnection({ inputs, context: context() }));
        expect(Date.now() - started).toBeLessThan(3000);
        expect(error.code).toBe("target:unreachable");
        expect(error.message).toBe(`Cannot reach ${label} at 127.0.0.1:${silent.port} (no answer within 0.3s). Check host, port and network access.`);
      });

      it("TLS required, server without TLS → target:rejected with a way out", async () => {
        const f = await fixture();
        const plain = await dialect.serverWithoutTls();
        cleanups.push(() => plain.close());
        const inputs = rotator.inputsSchema.parse({ ...f.inputs, host: plain.host, port: plain.port, tls: { mode: "require" } });
        const error = await rejection(rotator.testConnection({ inputs, context: context() }));
        expect(error.code).toBe("target:rejected");
        expect(error.message).toBe(
          `${label} at ${plain.host}:${plain.port} does not accept TLS connections. Enable TLS on the server, or set TLS mode to "disable" only on a trusted network.`,
        );
      });
    });
  });
}

/** A TCP server on a free loopback port. */
export async function listen(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** A port nothing listens on: bind, note the port, close. */
export async function freePort(): Promise<number> {
  const { server, port } = await listen(() => {});
  await new Promise((resolve) => server.close(resolve));
  return port;
}
