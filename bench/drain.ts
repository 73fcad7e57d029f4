/**
 * Benchmark (run on demand, not in CI): P2, draining a backlog of due schedules (issue 12).
 *
 *   npm run bench:drain -- [--rotators 1000] [--concurrency 1,2,4,8] [--poll-seconds 5] [--rotor-root DIR]
 *
 * Store: a fresh PostgreSQL database on 127.0.0.1:5432. Target: a scram-sha-256 PostgreSQL 15 cluster of its
 * own (test/support/pg-cluster.ts, statement logging off), so every password the rotations set is really
 * checked. N postgres rotators (two users each, managed by one CREATEROLE user) are created over the API of a
 * real Rotor (`npm start`), each with a daily schedule. Then, for each concurrency C:
 *   - the Rotor server (in-server scheduler) is restarted with ROTOR_SCHEDULER_CONCURRENCY=C and one
 *     `npm run worker` is started beside it with the same setting: 2·C rotations at most at once;
 *   - every schedule is made due in one UPDATE; the drain's time runs from that UPDATE to the last run's
 *     finish (the store's clock), while a sampler reads every 20 ms the schedule leases per owner (what each
 *     process has claimed) and the running runs;
 *   - checks: each rotator has exactly one run since the UPDATE, and it succeeded; peak leases per process ≤ C;
 *     peak running runs (sampled, and the max overlap of the runs' started/finished intervals) ≤ 2·C;
 *   - the raw loop: the same target work per rotator — connect as the managing user, ALTER ROLE … PASSWORD,
 *     connect as the user, SELECT 1 — over N other roles, 2·C at a time, with the same `pg` driver.
 * Prints a table per concurrency with the ratio Rotor / raw.
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import pg from "pg";
import path from "node:path";
import { startPgCluster } from "../test/support/pg-cluster";
import { scrubbedEnv } from "../e2e/support/rotor-server";
import { arg, runBenchmark } from "./support/timing";
import { benchApiClient, LOCAL_PG, startBenchRotor, type BenchRotor } from "./support/rotor-server";

const ROTATORS = Number(arg("rotators", "1000"));
const LEVELS = arg("concurrency", "1,2,4,8").split(",").map(Number);
const POLL_SECONDS = arg("poll-seconds", "5");
const ROTOR_ROOT = path.resolve(arg("rotor-root", path.join(__dirname, "..")));

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** One `npm run worker` in its own process group; resolves once it says it is ready. */
function startWorker(env: Record<string, string>) {
  const child = spawn("npm", ["run", "worker"], { cwd: ROTOR_ROOT, env: { ...scrubbedEnv(), ...env } as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-20_000);
      if (/worker \S+ ready/.test(output)) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}:\n${output.slice(-3000)}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid!, "SIGTERM");
    await exited;
  };
  return { ready, stop, output: () => output };
}

async function main() {
  const cluster = await startPgCluster({ settings: { log_statement: "none", max_connections: 200 } });
  const managing = { username: "drain_mgr", password: randomBytes(12).toString("hex") };
  await cluster.withSuperuser(async (c) => {
    const roles = [`create role drain_mgr login createrole password '${managing.password}'`];
    for (let i = 0; i < ROTATORS; i++) roles.push(`create role drain_a${i} login password 'initial'`, `create role drain_b${i} login password 'initial'`, `create role drain_raw${i} login password 'initial'`);
    await c.query(`begin; ${roles.join("; ")}; commit`);
  });
  // One store for every concurrency: the server is restarted on it with each setting (a kept database).
  const keep = { keepDatabase: `rotor_bench_drain_${randomBytes(4).toString("hex")}`, masterKey: randomBytes(32).toString("base64"), admin: { email: "bench@example.test", password: randomBytes(18).toString("base64url") } };
  let bench: BenchRotor = await startBenchRotor({ repoRoot: ROTOR_ROOT, ...keep });
  const store = new pg.Pool({ connectionString: bench.databaseUrl, max: 3 });
  try {
    const { call } = await benchApiClient(bench.baseURL, keep.admin);
    const t = performance.now();
    await call("POST", "/environments", { name: "drain" });
    await pool([...Array(ROTATORS).keys()], 4, async (i) => {
      await call("POST", "/environments/drain/rotators", {
        name: `pg-${i}`,
        type: "postgres",
        inputs: { host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "disable" }, managing, username1: `drain_a${i}`, username2: `drain_b${i}` },
      });
    });
    await store.query(
      `insert into schedules (rotator_id, kind, interval_seconds, next_run_at, next_slot_at)
       select id, 'interval', 86400, now() + interval '1 day', now() + interval '1 day' from rotators`,
    );
    // As autovacuum would have by now in a real deployment (issue 12, defect 1).
    await store.query("analyze");
    console.log(`${ROTATORS} postgres rotators with schedules in ${((performance.now() - t) / 1000).toFixed(0)} s`);

    const connect = async (user: string, password: string) => {
      const client = new pg.Client({ host: cluster.host, port: cluster.port, database: "postgres", user, password });
      await client.connect();
      return client;
    };
    const rows: string[] = [];
    for (const c of LEVELS) {
      const settings = { ROTOR_SCHEDULER_CONCURRENCY: String(c), ROTOR_SCHEDULER_POLL_SECONDS: POLL_SECONDS };
      await bench.stop();
      bench = await startBenchRotor({ repoRoot: ROTOR_ROOT, ...keep, env: { ROTOR_SCHEDULER: "on", ...settings } });
      const worker = startWorker({ DATABASE_URL: bench.databaseUrl, ROTOR_MASTER_KEY: keep.masterKey, ROTOR_LOG_LEVEL: "info", ...settings });
      await worker.ready;
      // Earlier levels rotated every rotator: move that into the past, out of the minimum-interval guard's reach.
      await store.query("update rotators set last_rotated_at = last_rotated_at - interval '2 days' where last_rotated_at is not null");
      const [{ since }] = (await store.query("update schedules set next_run_at = now(), next_slot_at = now() returning now() as since")).rows;
      const peak = { perOwner: 0, running: 0 };
      let done = false;
      const sampler = (async () => {
        while (!done) {
          const [leases, running] = await Promise.all([
            store.query("select lease_owner, count(*)::int as n from schedules where lease_owner is not null group by 1"),
            store.query("select count(*)::int as n from rotation_runs where status = 'running'"),
          ]);
          for (const row of leases.rows) peak.perOwner = Math.max(peak.perOwner, row.n);
          peak.running = Math.max(peak.running, running.rows[0].n);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      for (;;) {
        const { rows: r } = await store.query(
          `select count(*) filter (where status = 'succeeded')::int as ok, count(*) filter (where status not in ('succeeded', 'running'))::int as bad
             from rotation_runs where started_at >= $1`,
          [since],
        );
        if (r[0].ok + r[0].bad >= ROTATORS) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      done = true;
      await sampler;
      await worker.stop();
      const { rows: runs } = await store.query(
        `select rotator_id, count(*)::int as n, bool_and(status = 'succeeded') as ok from rotation_runs where started_at >= $1 group by 1`,
        [since],
      );
      const perRotator = runs.reduce((acc, r) => ((acc[`${r.n}`] = (acc[`${r.n}`] ?? 0) + 1), acc), {} as Record<string, number>);
      const failed = runs.filter((r) => !r.ok).length;
      const [{ drain_ms: drainMs }] = (await store.query("select extract(epoch from max(finished_at) - $1::timestamptz) * 1000 as drain_ms from rotation_runs where started_at >= $1", [since])).rows;
      const [{ overlap }] = (
        await store.query(
          `select coalesce(max(n), 0)::int as overlap from (
             select sum(d) over (order by t, d) as n from (
               select started_at as t, 1 as d from rotation_runs where started_at >= $1
               union all select finished_at, -1 from rotation_runs where started_at >= $1) e) s`,
          [since],
        )
      ).rows;

      // Where the drain's time goes: inside runs (the engine) or between them (claims, idle waits).
      const [{ run_ms: runMs, busy }] = (
        await store.query(
          `select avg(extract(epoch from finished_at - started_at) * 1000) as run_ms, sum(extract(epoch from finished_at - started_at) * 1000) as busy
             from rotation_runs where started_at >= $1`,
          [since],
        )
      ).rows;
      const utilization = busy / (drainMs * 2 * c);

      let n = 0;
      const rawStart = performance.now();
      await pool([...Array(ROTATORS).keys()], 2 * c, async (i) => {
        const password = `raw-${++n}-${randomBytes(8).toString("hex")}`;
        const manager = await connect(managing.username, managing.password);
        await manager.query(`alter role drain_raw${i} password ${pg.escapeLiteral(password)}`);
        await manager.end();
        const user = await connect(`drain_raw${i}`, password);
        await user.query("select 1");
        await user.end();
      });
      const rawMs = performance.now() - rawStart;
      console.log(`  C=${c}: a run takes ${Number(runMs).toFixed(0)} ms on average (raw: ${((rawMs * 2 * c) / ROTATORS).toFixed(0)} ms); the 2·C slots were inside runs ${(utilization * 100).toFixed(0)}% of the drain`);
      const row =
        `| ${c} (×2 processes) | ${(drainMs / 1000).toFixed(1)} s | ${(rawMs / 1000).toFixed(1)} s | ${(drainMs / rawMs).toFixed(2)}× | ` +
        `${((ROTATORS * 1000) / drainMs).toFixed(1)} / ${((ROTATORS * 1000) / rawMs).toFixed(1)} | ${peak.perOwner} per process, ${Math.max(peak.running, overlap)} overall (limit ${c} / ${2 * c}) | ` +
        `${JSON.stringify(perRotator)}${failed ? `, ${failed} failed` : ""} |`;
      console.log(row);
      rows.push(row);
      if (runs.length !== ROTATORS || perRotator["1"] !== ROTATORS || failed > 0) console.log(`NOT exactly once: ${runs.length} rotators ran, ${JSON.stringify(perRotator)}, ${failed} failed`);
      if (peak.perOwner > c || Math.max(peak.running, overlap) > 2 * c) console.log("LIMIT EXCEEDED");
    }
    console.log(`\n${ROTATORS} due postgres rotators, poll ${POLL_SECONDS} s, load average ${(await import("node:os")).loadavg().map((l) => l.toFixed(1)).join(" ")}:\n`);
    console.log("| concurrency | Rotor drain | raw loop | ratio | rotations/s Rotor / raw | peak concurrency | runs per rotator |");
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const row of rows) console.log(row);
  } finally {
    await store.end().catch(() => undefined);
    await bench.stop();
    const server = new pg.Client({ connectionString: `${LOCAL_PG}/postgres` });
    await server.connect();
    await server.query(`drop database if exists ${keep.keepDatabase} with (force)`);
    await server.end();
    await cluster.stop();
  }
}

runBenchmark(main);
