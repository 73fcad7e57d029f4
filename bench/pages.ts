/**
 * Benchmark (run on demand, not in CI): the P3 pages at a million runs and a million audit events — the
 * overview (its 30-day chart), /api/metrics, the audit actor filter, history by type and trigger, and an
 * environment with 500 rotators — each timed the way it was read before issue 12 and the way it is read now,
 * on the same rows in the same process, with the ratio.
 *
 *   npm run bench:pages -- [--store postgres|pglite] [--rows 1000000]
 *
 * "Before" is the query the page used to run (a direct 30-day count, an all-time aggregate, a substring
 * match, the indexes before migration 0009, all 500 rotators); "after" is today's code path. Rows are
 * bulk-generated with SQL (the audit chain is not valid for them: this measures plans and latency).
 */
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { openTestApp, TEST_ACTOR } from "../test/support/app-context";
import type { StoreKind } from "../test/support/stores";
import { listAuditEvents, rowsOf, suggestActorLabels } from "../lib/db/queries/audit";
import { listRuns, listRunsByIds } from "../lib/db/queries/runs";
import { listRotatorsByEnvironment, listRotatorsPageByEnvironment } from "../lib/db/queries/rotators";
import { getOverview } from "../lib/overview/overview";
import { renderMetrics } from "../lib/overview/metrics";
import { createEnvironment } from "../lib/environments/service";
import { loadScheduleCoverage } from "../lib/schedules/service";
import type { Db } from "../lib/db/client";
import { arg, runBenchmark, timeRepeated } from "./support/timing";
import { pagesLoadStatements, RARE_ACTOR } from "./support/pages-load";

const rows: string[] = [];
async function compare(label: string, goalMs: number, before: () => Promise<unknown>, after: () => Promise<unknown>, setup?: { before?: () => Promise<void>; after?: () => Promise<void> }) {
  await setup?.before?.();
  const b = await timeRepeated(before);
  await setup?.after?.();
  const a = await timeRepeated(after);
  const line = `| ${label} | ${b.p95.toFixed(1)} ms | ${a.p95.toFixed(1)} ms | ${(b.p95 / a.p95).toFixed(1)}× | ≤ ${goalMs} ms ${a.p95 <= goalMs ? "met" : "NOT met"} |`;
  rows.push(line);
  console.log(line);
}

async function load(db: Db, count: number, environmentId: string) {
  for (const statement of pagesLoadStatements(count, environmentId)) await db.execute(sql.raw(statement));
}

async function main() {
  const kind = arg("store", "postgres") as StoreKind;
  const count = Number(arg("rows", "1000000"));
  const app = await openTestApp(kind);
  const db = app.db;
  try {
    console.log(`store: ${kind}, ${count.toLocaleString()} runs and ${count.toLocaleString()} audit events, one environment of 500 rotators`);
    const environment = await createEnvironment(app, { actor: TEST_ACTOR, name: "big", description: "" });
    const start = performance.now();
    await load(db, count, environment.id);
    console.log(`bulk load: ${((performance.now() - start) / 1000).toFixed(1)} s`);
    console.log("| page (p95 of 20) | before | after | ratio | goal |\n| --- | --- | --- | --- | --- |");

    const since = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - 29));
    await compare(
      "overview: 30-day chart",
      100,
      () => db.execute(sql`select to_char(started_at at time zone 'UTC', 'YYYY-MM-DD') as day, status, count(*)::int from rotation_runs where started_at >= ${since} group by 1, 2`),
      () => getOverview(app).then((o) => o.perDay),
    );
    await compare(
      "overview: whole page data",
      100,
      async () => {
        await db.execute(sql`select to_char(started_at at time zone 'UTC', 'YYYY-MM-DD') as day, status, count(*)::int from rotation_runs where started_at >= ${since} group by 1, 2`);
        await getOverview(app);
      },
      () => getOverview(app),
    );
    await compare(
      "/api/metrics",
      50,
      async () => {
        await db.execute(sql`select rotator_type, status, count(*), sum(extract(epoch from finished_at - started_at)) from rotation_runs group by 1, 2`);
        await renderMetrics(app);
      },
      () => renderMetrics(app),
    );
    await compare(
      "audit: actor filter (rare actor)",
      100,
      () => db.execute(sql`select * from audit_events where actor_label ilike ${`%${RARE_ACTOR}%`} order by id desc limit 51`),
      () => listAuditEvents({ db, filter: { actor: RARE_ACTOR }, limit: 50 }),
    );
    await compare(
      "audit: actor filter (common actor)",
      100,
      () => db.execute(sql`select * from audit_events where actor_label ilike ${"%user42@example.com%"} order by id desc limit 51`),
      () => listAuditEvents({ db, filter: { actor: "user42@example.com" }, limit: 50 }),
    );
    await compare(
      "audit: actor typeahead (\"rare\")",
      100,
      () => db.execute(sql`select distinct actor_label from audit_events where actor_label ilike ${"%rare%"} limit 10`),
      () => suggestActorLabels({ db, prefix: "rare" }),
    );
    const dropTriggerIndexes = async () => {
      await db.execute(sql`drop index rotation_runs_trigger_idx`);
      await db.execute(sql`drop index rotation_runs_type_trigger_idx`);
    };
    const createTriggerIndexes = async () => {
      await db.execute(sql`create index rotation_runs_trigger_idx on rotation_runs (trigger, started_at desc nulls first, id desc nulls first)`);
      await db.execute(sql`create index rotation_runs_type_trigger_idx on rotation_runs (rotator_type, trigger, started_at desc nulls first, id desc nulls first)`);
      await db.execute(sql`analyze rotation_runs`);
    };
    const byTypeAndTrigger = () => listRuns({ db, filter: { rotatorType: "aws-iam", trigger: "schedule" }, limit: 50 });
    await compare("history: type + trigger (no match)", 50, byTypeAndTrigger, byTypeAndTrigger, { before: dropTriggerIndexes, after: createTriggerIndexes });
    const byTypeAndTriggerHit = () => listRuns({ db, filter: { rotatorType: "mysql", trigger: "schedule" }, limit: 50 });
    await compare("history: type + trigger (match)", 50, byTypeAndTriggerHit, byTypeAndTriggerHit, { before: dropTriggerIndexes, after: createTriggerIndexes });
    const byTrigger = () => listRuns({ db, filter: { trigger: "retry" }, limit: 50 });
    await compare("history: trigger", 50, byTrigger, byTrigger, { before: dropTriggerIndexes, after: createTriggerIndexes });

    // The environment page's data: before, every rotator with its last run and schedule coverage; now one page.
    const pageData = async (rotators: Awaited<ReturnType<typeof listRotatorsByEnvironment>>) => {
      await listRunsByIds({ db, ids: rotators.flatMap((r) => (r.lastRunId ? [r.lastRunId] : [])) });
      await loadScheduleCoverage({ db, rotators });
    };
    await compare(
      "environment of 500 rotators (rotator data)",
      150,
      async () => pageData(await listRotatorsByEnvironment({ db, environmentId: environment.id })),
      async () => pageData((await listRotatorsPageByEnvironment({ db, environmentId: environment.id, offset: 0, limit: 50 })).rotators),
    );

    const [{ size }] = rowsOf<{ size: string }>(await db.execute(sql`select pg_size_pretty(pg_total_relation_size('rotation_run_days')) as size`));
    console.log(`\nrotation_run_days: ${size}`);
    const memory = process.memoryUsage();
    console.log(`memory: rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await app.destroy();
  }
}

runBenchmark(main);
