/**
 * Benchmark (run on demand, not in CI): how the audit and history pages' queries behave on a large store,
 * and what one hash-chained audit append costs.
 *
 *   npm run bench -- [--store postgres|pglite] [--rows 1000000]
 *
 * Rows are bulk-generated with SQL (the chain is not valid for them: this measures query plans and
 * latency, not integrity). The PostgreSQL variant uses a fresh database on 127.0.0.1:5432, dropped after.
 */
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { openTestStore, type StoreKind } from "../test/support/stores";
import { listAuditEvents, recordAuditEvent, rowsOf } from "../lib/db/queries/audit";
import { listRuns } from "../lib/db/queries/runs";
import { arg, median, runBenchmark, timed } from "./support/timing";

/** Runs body `repeat` times and prints the median, min and max; returns the last result. */
async function time<T>(label: string, body: () => Promise<T>, repeat = 5): Promise<T> {
  let result!: T;
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) samples.push(await timed(async () => (result = await body())));
  console.log(`${label.padEnd(48)} median ${median(samples).toFixed(1)} ms  (min ${Math.min(...samples).toFixed(1)}, max ${Math.max(...samples).toFixed(1)})`);
  return result;
}

async function main() {
  const kind = arg("store", "postgres") as StoreKind;
  const rows = Number(arg("rows", kind === "pglite" ? "200000" : "1000000"));
  const store = await openTestStore(kind);
  try {
    const db = store.db;
    console.log(`store: ${kind}, rows: ${rows.toLocaleString()} audit events and runs`);
    let start = performance.now();
    await db.execute(sql`insert into audit_events (at, actor_label, action, target_type, target_id, target_label, outcome, details, prev_hash, hash)
      select now() - (g || ' seconds')::interval, 'user' || (g % 500) || '@example.com',
             (array['auth.sign_in','rotation.succeeded','rotation.failed','secret.revealed','user.created'])[1 + g % 5],
             'rotator', (g % 2000)::text, 'rotator-' || (g % 2000), 'success', '{}'::jsonb, '', ''
      from generate_series(1, ${rows}) g`);
    await db.execute(sql`insert into rotation_runs (rotator_name, rotator_type, environment_name, trigger, actor_label, status, started_at)
      select 'rotator-' || (g % 2000), (array['postgres','mysql','aws-iam','password'])[1 + g % 4], 'env-' || (g % 50),
             (array['user','schedule','retry','api'])[1 + g % 4], 'system', (array['succeeded','failed'])[1 + (g % 10 = 0)::int], now() - (g || ' seconds')::interval
      from generate_series(1, ${rows}) g`);
    await db.execute(sql`analyze`);
    console.log(`bulk insert: ${((performance.now() - start) / 1000).toFixed(1)} s`);

    const first = await time("audit: newest page (50)", () => listAuditEvents({ db, filter: {}, limit: 50 }));
    const deepId = first.events[0].id - Math.floor(rows * 0.9);
    await time("audit: page 90% deep (keyset)", () => listAuditEvents({ db, filter: {}, before: deepId, limit: 50 }));
    await time("audit: filter by action", () => listAuditEvents({ db, filter: { action: "secret.revealed" }, limit: 50 }));
    await time("audit: filter by actor (substring)", () => listAuditEvents({ db, filter: { actor: "user42@" }, limit: 50 }));
    await time("audit: filter by time range", () =>
      listAuditEvents({ db, filter: { from: new Date(Date.now() - 86_400_000 * 3), to: new Date(Date.now() - 86_400_000 * 2) }, limit: 50 }),
    );
    const runs = await time("history: newest page (50)", () => listRuns({ db, filter: {}, limit: 50 }));
    await time("history: next page (keyset)", () => listRuns({ db, filter: {}, after: runs.next!, limit: 50 }));
    await time("history: failed runs", () => listRuns({ db, filter: { status: "failed" }, limit: 50 }));
    await time("history: one type + trigger", () => listRuns({ db, filter: { rotatorType: "aws-iam", trigger: "schedule" }, limit: 50 }));

    const plan = rowsOf<{ "QUERY PLAN": string }>(
      await db.execute(sql`explain select * from rotation_runs where status = 'failed' order by started_at desc, id desc limit 51`),
    );
    console.log(`plan (failed runs): ${plan.map((r) => r["QUERY PLAN"]).join(" | ").slice(0, 200)}`);

    // One real, chained append (advisory lock + last hash + insert) at this size.
    await db.execute(sql`alter table audit_events disable trigger audit_events_no_update`);
    start = performance.now();
    const appends = 500;
    for (let i = 0; i < appends; i++) await recordAuditEvent({ db, event: { actorLabel: "bench", action: "bench.append" } });
    console.log(`audit append (chained): ${((performance.now() - start) / appends).toFixed(2)} ms each over ${appends}`);
    const memory = process.memoryUsage();
    console.log(`memory: rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await store.destroy();
  }
}

runBenchmark(main);
