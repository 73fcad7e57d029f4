/**
 * Benchmark (run on demand, not in CI): P3 over HTTP (issue 12) — the pages at a million runs and a million
 * audit events, as a signed-in browser gets them from a real, built Rotor (PostgreSQL store): the overview,
 * /api/metrics (a scraper's bearer token), the audit page filtered by one actor, history by type and trigger,
 * and an environment with 500 rotators; and the account page, a signed-in page that reads next to nothing
 * (the floor of any page). Each URL is fetched in turn, interleaved, `--requests` times after a warm-up;
 * prints p50, p95 and the response's bytes against each goal.
 *
 *   npm run bench:pages-http -- [--rows 1000000] [--database rotor_bench_pages] [--requests 40] [--load-only] [--rotor-root DIR]
 *
 * The rows are bulk-loaded with SQL (bench/support/pages-load.ts) into a kept database, once: a later run
 * finds them and only times (`--load-only` loads and stops, so the load and the timing can each hold the
 * heavy lock on their own). Drop the database to load afresh. The database's master key and first admin are
 * fixed bench values: it holds no real credential.
 */
import path from "node:path";
import { createHash } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { arg, interleaved, percentiles, runBenchmark } from "./support/timing";
import { signInCookies, startBenchRotor } from "./support/rotor-server";
import { pagesLoadStatements, RARE_ACTOR } from "./support/pages-load";

const ROWS = Number(arg("rows", "1000000"));
const DATABASE = arg("database", "rotor_bench_pages");
const REQUESTS = Number(arg("requests", "40"));
const LOAD_ONLY = process.argv.includes("--load-only");
const ROTOR_ROOT = path.resolve(arg("rotor-root", path.join(__dirname, "..")));
const ENVIRONMENT = "big";
const bench = (what: string) => createHash("sha256").update(`rotor-bench-pages ${what}`).digest();
const MASTER_KEY = bench("master key").toString("base64");
const ADMIN = { email: "bench@example.test", password: bench("admin").toString("base64url") };
const METRICS_TOKEN = bench("metrics").toString("hex");

async function main() {
  const server = await startBenchRotor({ repoRoot: ROTOR_ROOT, keepDatabase: DATABASE, masterKey: MASTER_KEY, admin: ADMIN, env: { ROTOR_METRICS_TOKEN: METRICS_TOKEN } });
  const store = new pg.Client({ connectionString: server.databaseUrl });
  await store.connect();
  try {
    const { baseURL } = server;
    const cookie = await signInCookies(baseURL, ADMIN);
    let [environment] = (await store.query<{ id: string }>("select id from environments where name = $1", [ENVIRONMENT])).rows;
    const [{ runs }] = (await store.query<{ runs: number }>("select count(*)::int as runs from rotation_runs")).rows;
    if (!environment || runs < ROWS) {
      if (environment || runs > 0) throw new Error(`database ${DATABASE} holds ${runs} runs, not ${ROWS}: drop it to load afresh`);
      const token = await fetch(`${baseURL}/api/v1/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...ADMIN, name: "bench-pages" }),
      }).then((r) => r.json() as Promise<{ token: string }>);
      const created = await fetch(`${baseURL}/api/v1/environments`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token.token}` },
        body: JSON.stringify({ name: ENVIRONMENT }),
      });
      if (!created.ok) throw new Error(`creating the environment: ${created.status} ${await created.text()}`);
      [environment] = (await store.query<{ id: string }>("select id from environments where name = $1", [ENVIRONMENT])).rows;
      const started = Date.now();
      for (const statement of pagesLoadStatements(ROWS, environment!.id)) await store.query(statement);
      console.log(`bulk load of ${ROWS.toLocaleString()} runs and audit events: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    if (LOAD_ONLY) return;

    const pages: { label: string; url: string; goal: number | null; headers: Record<string, string> }[] = [
      { label: "account page (signed-in floor)", url: "/account", goal: null, headers: { cookie } },
      { label: "overview", url: "/", goal: 100, headers: { cookie } },
      { label: "/api/metrics (bearer)", url: "/api/metrics", goal: 50, headers: { authorization: `Bearer ${METRICS_TOKEN}` } },
      { label: "audit: actor filter (rare actor)", url: `/audit?actor=${encodeURIComponent(RARE_ACTOR)}`, goal: 100, headers: { cookie } },
      { label: "audit: actor filter (common actor)", url: `/audit?actor=${encodeURIComponent("user42@example.com")}`, goal: 100, headers: { cookie } },
      { label: "history: type + trigger (no match)", url: "/history?type=aws-iam&trigger=schedule", goal: 50, headers: { cookie } },
      { label: "history: type + trigger (match)", url: "/history?type=mysql&trigger=schedule", goal: 50, headers: { cookie } },
      { label: "environment of 500 rotators", url: `/environments/${environment!.id}`, goal: 150, headers: { cookie } },
    ];
    const bytes: Record<string, number> = {};
    const variants = Object.fromEntries(
      pages.map((p) => [
        p.label,
        async () => {
          const response = await fetch(`${baseURL}${p.url}`, { headers: p.headers, redirect: "manual" });
          const body = await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`${p.url}: ${response.status} ${response.headers.get("location") ?? ""}`);
          bytes[p.label] = body.byteLength;
        },
      ]),
    );
    await interleaved(variants, 3); // warm-up: compiled routes, plans, caches
    const samples = await interleaved(variants, REQUESTS);
    console.log(`\n${ROWS.toLocaleString()} runs and audit events, ${REQUESTS} requests per page, interleaved, one at a time; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
    console.log("| page (over HTTP, signed in) | p50 | p95 | bytes | goal (p95) |\n| --- | --- | --- | --- | --- |");
    for (const p of pages) {
      const { p50, p95 } = percentiles(samples[p.label]!);
      const goal = p.goal === null ? "—" : `≤ ${p.goal} ms ${p95 <= p.goal ? "met" : "NOT met"}`;
      console.log(`| ${p.label} | ${p50.toFixed(1)} ms | ${p95.toFixed(1)} ms | ${(bytes[p.label]! / 1024).toFixed(1)} KB | ${goal} |`);
    }
  } finally {
    await store.end().catch(() => undefined);
    await server.stop();
  }
}

runBenchmark(main);
