/**
 * Benchmark (run on demand, not in CI): what applications do most — open an environment over the REST API —
 * and what costs memory — idle watchers (issue 9).
 *
 *   npm run bench:api -- [--rotators 100] [--seconds 10] [--concurrency 8] [--watchers 1000] [--rotor-root DIR]
 *
 * Starts a real Rotor (`npm start` in --rotor-root, default this checkout: it builds first when the sources
 * changed) on a fresh PostgreSQL database on 127.0.0.1:5432, creates the first admin headlessly, signs in
 * over the API for a token, and creates one environment with N password rotators, each rotated once. Then,
 * over HTTP with the token, at the same concurrency, each for the same time, interleaved A/B/C/D twice:
 *   - GET /open (200, the whole document decrypted and rendered as JSON),
 *   - GET /open with If-None-Match: the current revision (304, no body),
 *   - GET /whoami, a bare authenticated no-op route (the floor a 304 can reach),
 * and from this process, a bare SELECT over pg of the rows open reads (the environment, its current revision's
 * encrypted document, its rotators) — the database's share of the 200 path.
 * Last, it opens W idle watchers (GET /watch, Server-Sent Events) and reports the server's extra resident
 * memory (the whole process group's VmRSS, after the connections settle).
 *
 * Goals (issue 9): the 304 path within 2× the no-op route; 1,000 watchers under 50 MB extra.
 */
import http from "node:http";
import path from "node:path";
import pg from "pg";
import { arg, runBenchmark, underLoad } from "./support/timing";
import { benchApiClient, groupRssMiB, startBenchRotor } from "./support/rotor-server";

const ROTATORS = Number(arg("rotators", "100"));
const SECONDS = Number(arg("seconds", "10"));
const CONCURRENCY = Number(arg("concurrency", "8"));
const WATCHERS = Number(arg("watchers", "1000"));
const ROTOR_ROOT = path.resolve(arg("rotor-root", path.join(__dirname, "..")));

type Rate = Awaited<ReturnType<typeof underLoad>>;

async function main() {
  const bench = await startBenchRotor({ repoRoot: ROTOR_ROOT });
  const { rotor } = bench;
  const { email, password } = bench.admin;
  // One connection per client loop, as the server's pool has.
  const store = new pg.Pool({ connectionString: bench.databaseUrl, max: CONCURRENCY });
  try {
    const base = `${rotor.baseURL}/api/v1`;
    const { call, token } = await benchApiClient(rotor.baseURL, { email, password });

    const env = "bench";
    await call("POST", "/environments", { name: env });
    for (let i = 0; i < ROTATORS; i++) await call("POST", `/environments/${env}/rotators`, { name: `secret-${i}`, type: "password", inputs: {} });
    const started = await call("POST", `/environments/${env}/rotate`, {});
    for (const run of started.runs as { id?: string }[]) {
      if (!run.id) continue;
      for (;;) {
        const view = await call("GET", `/runs/${run.id}`);
        if (view.status !== "running") break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const opened = await fetch(`${base}/environments/${env}/open`, { headers: { authorization: `Bearer ${token}` } });
    const etag = opened.headers.get("etag")!;
    const documentBytes = (await opened.arrayBuffer()).byteLength;
    console.log(`environment with ${ROTATORS} rotators, revision ${etag}, document ${documentBytes} bytes`);

    const [{ id: environmentId }] = (await store.query("select id from environments where name = $1", [env])).rows;
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const get = (url: string, headers: Record<string, string>, expect: number) =>
      new Promise<void>((resolve, reject) => {
        const request = http.get(`${base}${url}`, { agent, headers: { authorization: `Bearer ${token}`, ...headers } }, (response) => {
          response.resume();
          response.on("end", () => (response.statusCode === expect ? resolve() : reject(new Error(`${url}: ${response.statusCode}, expected ${expect}`))));
        });
        request.on("error", reject);
      });
    const variants: Record<string, () => Promise<unknown>> = {
      "open (200)": () => get(`/environments/${env}/open`, {}, 200),
      "open (304, If-None-Match)": () => get(`/environments/${env}/open`, { "if-none-match": etag }, 304),
      "whoami (authenticated no-op)": () => get(`/whoami`, {}, 200),
      "bare SELECT of the same rows": () =>
        Promise.all([
          store.query("select * from environments where id = $1", [environmentId]),
          store.query("select * from environment_revisions where environment_id = $1 and revision = (select current_revision from environments where id = $1)", [environmentId]),
          store.query("select * from rotators where environment_id = $1", [environmentId]),
        ]),
    };
    // Warm-up, then two interleaved rounds; the better of the two is kept (the machine is shared).
    for (const once of Object.values(variants)) for (let i = 0; i < 20; i++) await once();
    const best: Record<string, Rate> = {};
    for (let round = 0; round < 2; round++) {
      for (const [label, once] of Object.entries(variants)) {
        const rate = await underLoad(once, { seconds: SECONDS, concurrency: CONCURRENCY });
        if (!best[label] || rate.p50 < best[label].p50) best[label] = rate;
      }
    }
    console.log(`\n${CONCURRENCY} concurrent clients, ${SECONDS} s each, best of 2 interleaved rounds:\n`);
    console.log("| request | req/s | p50 | p95 |\n| --- | --- | --- | --- |");
    for (const [label, r] of Object.entries(best)) console.log(`| ${label} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(2)} ms | ${r.p95.toFixed(2)} ms |`);
    const ratio = best["open (304, If-None-Match)"].p50 / best["whoami (authenticated no-op)"].p50;
    console.log(`\n304 vs no-op (p50): ${ratio.toFixed(2)}× (goal ≤ 2×: ${ratio <= 2 ? "met" : "NOT met"})`);
    agent.destroy();

    // Idle watchers: each its own connection, as each application instance has.
    const settle = () => new Promise((r) => setTimeout(r, 3000));
    await settle();
    const before = groupRssMiB(rotor.pid);
    const watchers: http.ClientRequest[] = [];
    let connected = 0;
    await new Promise<void>((resolve, reject) => {
      for (let i = 0; i < WATCHERS; i++) {
        const request = http.get(`${base}/environments/${env}/watch`, { agent: false, headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" } }, (response) => {
          if (response.statusCode !== 200) return reject(new Error(`watch: ${response.statusCode}`));
          response.once("data", () => {
            if (++connected === WATCHERS) resolve();
          });
        });
        request.on("error", (error) => (connected < WATCHERS ? reject(error) : undefined));
        watchers.push(request);
      }
    });
    await settle();
    const after = groupRssMiB(rotor.pid);
    const extra = after - before;
    console.log(`\n${WATCHERS} idle watchers: server RSS ${before.toFixed(0)} MiB → ${after.toFixed(0)} MiB, ${extra.toFixed(1)} MiB extra (${((extra * 1024) / WATCHERS).toFixed(1)} KiB each; goal < 50 MB: ${extra < 50 ? "met" : "NOT met"})`);
    for (const request of watchers) request.destroy();
  } finally {
    await store.end().catch(() => undefined);
    await bench.stop();
  }
}

runBenchmark(main);
