/**
 * How many connections a rotation opens at the target, counted by the servers themselves: two, as a script
 * doing the same work by hand would make (connect as the managing user and ALTER, connect as the user). The
 * lockout guard's in-use check shares apply's managing session (lib/rotators/sql/direct.ts createRunConnector,
 * kept by the run's scope); verify logs in afresh as the user. And what the run kept is closed when it ends,
 * whatever happens.
 *
 * PostgreSQL: a scram cluster of its own with log_connections, every login counted by user. MariaDB: the
 * shared server, with per-account MAX_CONNECTIONS_PER_HOUR limits: the rotation succeeds within them, and the
 * next login is refused, so each account logged in exactly as often as its limit says.
 *
 * Every rotator is created with an imported current and previous, so its first rotation retires the previous
 * (the guard asks the target) and no login happens before the one that is counted except the import's checks.
 */
import pg from "pg";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { connectMysqlAdmin, type MysqlAdmin } from "@/test/support/mysql-admin";
import { createEnvironment } from "../environments/service";
import { createRotator } from "./rotator-service";
import { rotateNow, SimulatedCrash } from "./engine";
import { getRunById } from "../db/queries/runs";
import { getRotatorById } from "../db/queries/rotators";
import { loadState } from "../environments/rotator-state";
import { CHECK_STEP } from "./lockout-guard";
import type { RetiringCheck } from "./lockout-finding";
import { createRunConnector } from "../rotators/sql/direct";
import { postgresDialect } from "../rotators/postgres/dialect";
import type { DatabaseConnection } from "../rotators/sql/connector";

let app: TestApp;
let environmentId: string;
let counter = 0;

beforeAll(async () => {
  app = await openTestApp("pglite");
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "connections", description: "" })).id;
});

afterAll(async () => {
  await app?.destroy();
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function targetOfRun(runId: string): Promise<RetiringCheck["target"] | undefined> {
  return ((await getRunById({ db: app.db, id: runId }))?.retiringCheck as RetiringCheck | null)?.target;
}

describe("PostgreSQL (log_connections)", () => {
  let cluster: PgCluster;
  const managing = { username: "conn_mgr", password: "conn-mgr-password" };

  beforeAll(async () => {
    cluster = await startPgCluster({ settings: { log_connections: "on" } });
    await cluster.withSuperuser((c) => c.query(`create role conn_mgr login createrole password ${pg.escapeLiteral(managing.password)}`));
  }, 30_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  /** A rotator whose previous is `a` (so its next rotation retires it), and its users. */
  async function rotator() {
    counter++;
    const [a, b] = [`conn_${counter}_a`, `conn_${counter}_b`];
    await cluster.withSuperuser(async (c) => {
      for (const u of [a, b]) await c.query(`create role ${u} login password ${pg.escapeLiteral(`${u}-initial`)}`);
    });
    const row = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: `pg-${counter}`,
      type: "postgres",
      inputs: { host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "disable" }, managing, username1: a, username2: b },
      importState: { current: { username: b, password: `${b}-initial` }, previous: { username: a, password: `${a}-initial` } },
    });
    return { row, a, b };
  }

  /** The logins the server let in while `body` ran, by user, and every connection it received. */
  async function loginsDuring(body: () => Promise<unknown>): Promise<{ received: number; byUser: Record<string, number> }> {
    const from = cluster.readLog().length;
    await body();
    const log = cluster.readLog().slice(from);
    const byUser: Record<string, number> = {};
    for (const [, user] of log.matchAll(/connection authorized: user=(\S+)/g)) byUser[user!] = (byUser[user!] ?? 0) + 1;
    return { received: log.match(/connection received:/g)?.length ?? 0, byUser };
  }

  const managingBackends = () =>
    cluster.withSuperuser(async (c) => (await c.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where usename = $1", [managing.username])).rows[0]!.n);

  it("a rotation that checks the retiring user logs in twice: once as the managing user, once as the user", async () => {
    const { row, a } = await rotator();
    let runId = "";
    const logins = await loginsDuring(async () => {
      const outcome = await rotateNow(app, { rotatorId: row.id, trigger: "user", actor: TEST_ACTOR });
      expect(outcome.status).toBe("succeeded");
      runId = outcome.runId;
    });
    // The guard did ask the target, over the managing session apply then used.
    expect(await targetOfRun(runId)).toMatchObject({ verdict: "unused" });
    expect(logins).toEqual({ received: 2, byUser: { [managing.username]: 1, [a]: 1 } });
    expect((await getRotatorById({ db: app.db, id: row.id }).then((r) => loadState(app.keyring, r!))).current?.username).toBe(a);
    // The kept session went with the run.
    await until("the managing session is closed", async () => (await managingBackends()) === 0);
  });

  it("a run that dies after the in-use check leaves no managing session open at the target", async () => {
    const { row } = await rotator();
    const crash = rotateNow(app, { rotatorId: row.id, trigger: "user", actor: TEST_ACTOR }, {
      hooks: {
        afterStep: (step) => {
          if (step === CHECK_STEP) throw new SimulatedCrash(step);
        },
      },
    });
    await expect(crash).rejects.toBeInstanceOf(SimulatedCrash);
    await until("the managing session is closed", async () => (await managingBackends()) === 0);
  });

  describe("createRunConnector", () => {
    const connection = (): DatabaseConnection => ({ dialect: "postgres", host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "disable" } });

    it("keeps one managing session between calls, and opens another once it was closed by its idle limit or dropped", async () => {
      const { a } = await rotator();
      const connector = createRunConnector({ postgres: postgresDialect }, { idleMs: 200 });
      try {
        const kept = await loginsDuring(async () => {
          await connector.listSessions!({ connection: connection(), managing, user: { username: a } });
          await connector.setPassword({ connection: connection(), managing, user: { username: a }, newPassword: `${a}-second` });
        });
        expect(kept.byUser).toEqual({ [managing.username]: 1 });

        // Idle past the limit: closed, so a long wait holds nothing at the target.
        await until("the idle session is closed", async () => (await managingBackends()) === 0);
        const afterIdle = await loginsDuring(() => connector.setPassword({ connection: connection(), managing, user: { username: a }, newPassword: `${a}-third` }));
        expect(afterIdle.byUser).toEqual({ [managing.username]: 1 });

        // Dropped by the server: noticed, and not reused.
        await cluster.withSuperuser((c) => c.query("select pg_terminate_backend(pid) from pg_stat_activity where usename = $1", [managing.username]));
        await until("the dropped session is gone", async () => (await managingBackends()) === 0);
        const afterDrop = await loginsDuring(() => connector.setPassword({ connection: connection(), managing, user: { username: a }, newPassword: `${a}-fourth` }));
        expect(afterDrop.byUser).toEqual({ [managing.username]: 1 });
        expect(await cluster.checkLogin({ username: a, password: `${a}-fourth` })).toBe(true);
      } finally {
        await connector.close();
      }
      await until("the managing session is closed", async () => (await managingBackends()) === 0);
    });
  });
});

describe("MariaDB (MAX_CONNECTIONS_PER_HOUR)", () => {
  let admin: MysqlAdmin;

  beforeAll(async () => {
    admin = await connectMysqlAdmin();
  });

  afterAll(async () => {
    await admin?.dropAll();
  });

  /** A login that must be refused because the account used up its connections for the hour. */
  async function expectLimitReached(user: string, password: string) {
    const refused = await mysql.createConnection({ host: admin.host, port: admin.port, user, password }).then(
      async (c) => (await c.end(), null),
      (error: { errno?: number }) => error,
    );
    expect(refused?.errno).toBe(1226); // ER_USER_LIMIT_REACHED
  }

  it("a rotation that checks the retiring account logs in twice: once as the managing user, once as the account", async () => {
    counter++;
    const managing = await admin.createUser({ password: "conn-mgr-password", grants: ["CREATE USER ON *.*", "SELECT ON mysql.user", "PROCESS ON *.*"] });
    const a = await admin.createUser({ password: "initial-a" });
    const b = await admin.createUser({ password: "initial-b" });
    // Fresh accounts start counting from zero: the managing user may log in once this hour; `a` twice (the
    // import's check of the previous credential, then verify).
    await admin.query("ALTER USER ?@'%' WITH MAX_CONNECTIONS_PER_HOUR 1", [managing.username]);
    await admin.query("ALTER USER ?@'%' WITH MAX_CONNECTIONS_PER_HOUR 2", [a.username]);
    const row = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId,
      name: `my-${counter}`,
      type: "mysql",
      inputs: { host: admin.host, port: admin.port, tls: { mode: "disable" }, managing: { username: managing.username, password: managing.password }, username1: a.username, username2: b.username, userHost: "%" },
      importState: { current: { username: b.username, password: b.password }, previous: { username: a.username, password: a.password } },
    });

    const outcome = await rotateNow(app, { rotatorId: row.id, trigger: "user", actor: TEST_ACTOR });
    expect(outcome.errorMessage ?? null).toBeNull();
    expect(outcome.status).toBe("succeeded");
    expect((await targetOfRun(outcome.runId))?.verdict).not.toBe("unknown");
    const current = loadState(app.keyring, (await getRotatorById({ db: app.db, id: row.id }))!).current!;
    expect(current.username).toBe(a.username);
    // Each limit was used up by the rotation: exactly one managing login, exactly one as the account.
    await expectLimitReached(managing.username, managing.password);
    await expectLimitReached(a.username, current.password!);
    await until("the managing session is closed", async () => {
      const rows = await admin.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?", [managing.username]);
      return rows.length === 0;
    });
  });
});
