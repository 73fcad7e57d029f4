/**
 * Benchmark (run on demand, not in CI): P1, the engine's overhead over the bare driver. One warm process, a
 * PGlite store, direct connections: `rotateNow` of a postgres rotator (a password-checking cluster of its own)
 * and of a mysql rotator (the shared MariaDB), each against a bare script of the same work with the same driver
 * — connect as the managing user, ALTER the password, connect as the user — interleaved, one of each in turn.
 * Prints the median time of each, the ratio, and the store statements and transactions of one rotation; and,
 * interleaved with them, the same rotateNow with a managing session per call (the direct connector as a
 * connector: the in-use check and apply each log in, 3 connections at the target instead of 2), so the shared
 * session's gain is measured in the same run.
 *
 *   npm run bench:engine -- [--rotations 40] [--only postgres|mysql]
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import mysql from "mysql2/promise";
import { openTestApp, TEST_ACTOR, type TestApp } from "../test/support/app-context";
import { startPgCluster } from "../test/support/pg-cluster";
import { connectMysqlAdmin } from "../test/support/mysql-admin";
import { createEnvironment } from "../lib/environments/service";
import { createRotator } from "../lib/rotation/rotator-service";
import { rotateNow } from "../lib/rotation/engine";
import { directConnector } from "../lib/rotators/direct-connector";
import { arg, interleaved, median, runBenchmark } from "./support/timing";

/**
 * Counts what the store is sent: drizzle's logger sees every statement, transactions add BEGIN and COMMIT.
 * Commits: each transaction, and each statement outside one that is not a plain read (rotations run one at a
 * time here, so "inside a transaction" is simply whether one is open).
 */
function countStatements(app: TestApp) {
  const counts = { statements: 0, transactions: 0, commits: 0 };
  const session = (app.db as unknown as { session: { logger: unknown; options: { logger?: unknown }; transaction: (...a: unknown[]) => Promise<unknown> } }).session;
  let open = 0;
  const logger = {
    logQuery: (query: string) => {
      counts.statements += 1;
      if (open === 0 && !/^\s*select\b/i.test(query)) counts.commits += 1;
    },
  };
  session.logger = logger;
  session.options.logger = logger;
  const transaction = session.transaction.bind(session);
  session.transaction = (...a: unknown[]) => {
    counts.transactions += 1;
    counts.commits += 1;
    open += 1;
    return transaction(...a).finally(() => void (open -= 1));
  };
  return counts;
}

/** One user-triggered rotateNow that must succeed; `perCall`: with a managing session per connector call. */
async function rotateOnce(app: TestApp, rotatorId: string, { perCall = false } = {}): Promise<void> {
  const outcome = await rotateNow(app, { rotatorId, trigger: "user", actor: TEST_ACTOR }, perCall ? { rotatorContext: { databaseConnector: directConnector } } : {});
  if (outcome.status !== "succeeded") throw new Error(outcome.errorMessage ?? "rotation failed");
}

async function compare(label: string, rotations: number, rotor: (perCall?: boolean) => Promise<void>, bare: () => Promise<void>, counts: ReturnType<typeof countStatements>) {
  const perCall = () => rotor(true);
  await rotor();
  await perCall();
  await bare();
  const before = { ...counts };
  await rotor();
  const perRotation = { statements: counts.statements - before.statements, transactions: counts.transactions - before.transactions, commits: counts.commits - before.commits };
  const { rotor: a, bare: b, perCall: c } = await interleaved({ rotor, bare, perCall }, rotations);
  const ratio = median(a) / median(b);
  console.log(
    `| ${label} | ${median(a).toFixed(1)} ms | ${median(b).toFixed(1)} ms | ${ratio.toFixed(2)}× | ` +
      `${perRotation.statements + 2 * perRotation.transactions} (${perRotation.statements} + BEGIN/COMMIT of ${perRotation.transactions}) | ${perRotation.commits} | ` +
      `${median(c).toFixed(1)} ms (${(median(c) / median(b)).toFixed(2)}×) |`,
  );
}

async function main() {
  const rotations = Number(arg("rotations", "40"));
  const only = arg("only", "");
  const app = await openTestApp("pglite");
  const counts = countStatements(app);
  const env = await createEnvironment(app, { actor: TEST_ACTOR, name: "bench-engine", description: "" });
  console.log(`| target | rotateNow | bare driver | ratio | store statements per rotation | commits per rotation | rotateNow, a managing session per call (ratio) |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- |`);

  if (only !== "mysql") {
    const cluster = await startPgCluster();
    try {
      const managing = { username: "bench_mgr", password: "bench-mgr-password" };
      await cluster.withSuperuser(async (c) => {
        await c.query(`create role bench_mgr login createrole password '${managing.password}'`);
        for (const u of ["bench_app1", "bench_app2", "bench_bare"]) await c.query(`create role ${u} login password 'initial'`);
      });
      const rotator = await createRotator(app, {
        actor: TEST_ACTOR,
        environmentId: env.id,
        name: "pg",
        type: "postgres",
        inputs: { host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "disable" }, managing, username1: "bench_app1", username2: "bench_app2" },
      });
      let n = 0;
      const connect = async (user: string, password: string) => {
        const client = new pg.Client({ host: cluster.host, port: cluster.port, database: "postgres", user, password });
        await client.connect();
        return client;
      };
      await compare(
        "PostgreSQL 15 (scram)",
        rotations,
        (perCall) => rotateOnce(app, rotator.id, { perCall }),
        async () => {
          const password = `bare-password-${++n}-${Math.random()}`;
          const manager = await connect(managing.username, managing.password);
          await manager.query(`alter role bench_bare password ${pg.escapeLiteral(password)}`);
          await manager.end();
          const user = await connect("bench_bare", password);
          await user.query("select 1");
          await user.end();
        },
        counts,
      );
    } finally {
      await cluster.stop();
    }
  }

  if (only !== "postgres") {
    const admin = await connectMysqlAdmin();
    try {
      const managingPassword = "bench-mgr-password";
      const managing = await admin.createUser({ password: managingPassword, grants: ["CREATE USER ON *.*", "SELECT ON mysql.user"] });
      const u1 = await admin.createUser({ password: "initial-1" });
      const u2 = await admin.createUser({ password: "initial-2" });
      const bareUser = await admin.createUser({ password: "initial-3" });
      const rotator = await createRotator(app, {
        actor: TEST_ACTOR,
        environmentId: env.id,
        name: "my",
        type: "mysql",
        inputs: { host: admin.host, port: admin.port, tls: { mode: "disable" }, managing: { username: managing.username, password: managingPassword }, username1: u1.username, username2: u2.username, userHost: "%" },
      });
      let n = 0;
      await compare(
        "MariaDB 10.11",
        rotations,
        (perCall) => rotateOnce(app, rotator.id, { perCall }),
        async () => {
          const password = `bare-password-${++n}-${Math.random()}`;
          const manager = await mysql.createConnection({ host: admin.host, port: admin.port, user: managing.username, password: managingPassword });
          await manager.query(`ALTER USER ?@'%' IDENTIFIED BY ?`, [bareUser.username, password]);
          await manager.end();
          const user = await mysql.createConnection({ host: admin.host, port: admin.port, user: bareUser.username, password });
          await user.query("SELECT 1");
          await user.end();
        },
        counts,
      );
    } finally {
      await admin.dropAll();
    }
  }
  // The store's floor: what 20 trivial PGlite statements (about what one rotation sends) cost in this process right now.
  const { sql } = await import("drizzle-orm");
  await app.db.execute(sql`select 1`);
  const t = performance.now();
  for (let i = 0; i < 20; i++) await app.db.execute(sql`select 1`);
  console.log(`store floor: 20 trivial statements take ${(performance.now() - t).toFixed(1)} ms`);
  await app.destroy();
}

runBenchmark(main);
