/**
 * Benchmark (run on demand, not in CI): Rotor's footprint on its embedded PGlite store (issue 12, P4).
 *
 *   npm run bench:footprint -- [--rotations 1000] [--audit-rows 1000000] [--csv-kib-per-second 1024] [--rotor-root DIR] [--node-flags "…"]
 *
 * Runs a real, built Rotor (`npm start` in --rotor-root, default this checkout; one untimed start first, which
 * builds when the sources changed) on one new data directory, and reports the resident memory of the server's
 * whole process group (`npm start` and the server under it):
 *   1. first start on the new data directory (no admin yet: it prints the setup link, as an installer sees):
 *      time from launch until the server answers HTTP; then its idle RSS;
 *   2. a restart (the first admin created from ROTOR_ADMIN_*): idle RSS; then N rotations of one password
 *      rotator over the API, one after another, RSS sampled every 100 and the least-squares slope;
 *   3. with the server stopped, M audit events bulk-loaded into its PGlite directory (bench/support/pages-load.ts);
 *      a restart: idle RSS; then the CSV export of the whole audit log (/audit/export, signed in) by a client
 *      that reads at most K KiB/s: the peak RSS growth while it downloads and the growth left 30 s after it ends.
 *
 * "Idle" is --idle-seconds (default 20) without requests, then the median of three samples a second apart: the
 * server gives its heap's free pages back 15 s after a burst ends (lib/heap-compaction.ts), so a shorter wait
 * measures the burst, not the idle server.
 *
 * The server runs with the Node flags of package.json's start script, as `npm start` does (--node-flags others,
 * "" none).
 *
 * Goals (issue 12): first start ≤ 10 s; idle RSS ≤ 300 MiB fresh and after restart; flat over 1,000 rotations
 * (slope ≤ 1 MiB per 100); the export in bounded memory (peak growth ≤ 50 MiB) and given back after (≤ 10 MiB).
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { startScriptNodeFlags } from "../e2e/support/rotor-server";
import { arg, runBenchmark, slope } from "./support/timing";
import { benchApiClient, groupProcesses, groupRssMiB, signInCookies, startPgliteBenchRotor, type PgliteBenchRotor } from "./support/rotor-server";
import { auditLoadStatement } from "./support/pages-load";

const ROTATIONS = Number(arg("rotations", "1000"));
const AUDIT_ROWS = Number(arg("audit-rows", "1000000"));
const CSV_BYTES_PER_SECOND = Number(arg("csv-kib-per-second", "1024")) * 1024;
const ROTOR_ROOT = path.resolve(arg("rotor-root", path.join(__dirname, "..")));
const IDLE_SECONDS = Number(arg("idle-seconds", "20"));
const NODE_FLAGS = arg("node-flags", startScriptNodeFlags(ROTOR_ROOT).join(" ")).split(/\s+/).filter(Boolean);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (value: number) => `${value.toFixed(0)} MiB`;
const verdict = (met: boolean) => (met ? "met" : "NOT met");
const results: string[] = [];
function report(line: string) {
  console.log(line);
  results.push(line);
}

/** The group's RSS once the server is idle: after --idle-seconds, the median of three samples a second apart. */
async function idleRss(server: PgliteBenchRotor): Promise<number> {
  await sleep(IDLE_SECONDS * 1000);
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    samples.push(groupRssMiB(server.rotor.pid));
    await sleep(1000);
  }
  return samples.sort((a, b) => a - b)[1];
}

/** Which processes the group's RSS is made of, e.g. "node 49 + next-server 284". */
const breakdown = (server: PgliteBenchRotor) =>
  groupProcesses(server.rotor.pid)
    .map((p) => `${p.name} ${p.rssMiB.toFixed(0)}`)
    .join(" + ");

async function rotations(server: PgliteBenchRotor, admin: { email: string; password: string }) {
  const { call } = await benchApiClient(server.baseURL, admin);
  await call("POST", "/environments", { name: "footprint" });
  await call("POST", "/environments/footprint/rotators", { name: "secret", type: "password", inputs: {} });
  const samples: [number, number][] = [[0, groupRssMiB(server.rotor.pid)]];
  const started = Date.now();
  for (let i = 1; i <= ROTATIONS; i++) {
    const { runs } = (await call("POST", "/environments/footprint/rotate", {})) as { runs: { id?: string; error?: unknown }[] };
    const id = runs[0]?.id;
    if (!id) throw new Error(`rotation ${i} did not start: ${JSON.stringify(runs)}`);
    for (;;) {
      const run = await call("GET", `/runs/${id}`);
      if (run.status === "succeeded") break;
      if (run.status !== "running") throw new Error(`rotation ${i} ended ${run.status}: ${JSON.stringify(run)}`);
      await sleep(20);
    }
    if (i % 100 === 0 || i === ROTATIONS) {
      samples.push([i, groupRssMiB(server.rotor.pid)]);
      console.log(`  ${i} rotations: ${mib(samples.at(-1)![1])}`);
    }
  }
  const seconds = (Date.now() - started) / 1000;
  // The slope from the first 100 on: the first rotations warm caches (compiled routes, prepared plans) once.
  const perHundred = slope(samples.slice(1)) * 100;
  report(
    `RSS over ${ROTATIONS} rotations (${seconds.toFixed(0)} s): ${samples.map(([, y]) => y.toFixed(0)).join(" → ")} MiB; ` +
      `slope ${perHundred.toFixed(2)} MiB per 100 rotations (goal flat, ≤ 1 MiB per 100: ${verdict(perHundred <= 1)})`,
  );
}

/** The whole audit log as CSV, read at most CSV_BYTES_PER_SECOND; the server's RSS sampled every second. */
async function slowExport(server: PgliteBenchRotor, admin: { email: string; password: string }) {
  const cookie = await signInCookies(server.baseURL, admin);
  const baseline = await idleRss(server);
  report(`idle RSS after restart, ${AUDIT_ROWS} audit events: ${mib(baseline)} [${breakdown(server)}] (goal ≤ 300 MiB: ${verdict(baseline <= 300)})`);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, groupRssMiB(server.rotor.pid))), 1000);
  const started = Date.now();
  let bytes = 0;
  let lines = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const request = http.get(`${server.baseURL}/audit/export`, { headers: { cookie } }, (response) => {
        if (response.statusCode !== 200) return reject(new Error(`/audit/export: ${response.statusCode}`));
        response.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
          // Ahead of the allowed rate: stop reading (TCP then holds the server back) until it is due.
          const due = (bytes / CSV_BYTES_PER_SECOND) * 1000 - (Date.now() - started);
          if (due > 0) {
            response.pause();
            setTimeout(() => response.resume(), due);
          }
        });
        response.on("end", resolve);
        response.on("error", reject);
      });
      request.on("error", reject);
    });
  } finally {
    clearInterval(sampler);
  }
  const seconds = (Date.now() - started) / 1000;
  // The header, the bulk-loaded events, and the events Rotor itself recorded (sign-ins, rotations, …).
  if (lines < AUDIT_ROWS + 1) throw new Error(`the export had ${lines} lines, expected at least ${AUDIT_ROWS + 1}`);
  await sleep(30_000);
  const after = groupRssMiB(server.rotor.pid);
  report(
    `CSV export of ${AUDIT_ROWS} audit events (${(bytes / 1048576).toFixed(0)} MiB in ${seconds.toFixed(0)} s, client ≤ ${CSV_BYTES_PER_SECOND / 1024} KiB/s): ` +
      `peak RSS ${mib(peak)}, +${(peak - baseline).toFixed(0)} MiB (goal ≤ 50 MiB: ${verdict(peak - baseline <= 50)}); ` +
      `30 s after the end ${mib(after)}, +${(after - baseline).toFixed(0)} MiB (goal ≤ 10 MiB: ${verdict(after - baseline <= 10)})`,
  );
}

async function main() {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-bench-footprint-"));
  const masterKey = randomBytes(32).toString("base64");
  const admin = { email: "bench@example.test", password: randomBytes(18).toString("base64url") };
  let server: PgliteBenchRotor | null = null;
  try {
    // Untimed: builds when the sources changed, so the timed start below is a start after a build.
    server = await startPgliteBenchRotor({ repoRoot: ROTOR_ROOT, nodeFlags: NODE_FLAGS, dataDir: path.join(runDir, "warm-up"), masterKey });
    await server.stop();

    const dataDir = path.join(runDir, "data");
    const launched = Date.now();
    server = await startPgliteBenchRotor({ repoRoot: ROTOR_ROOT, nodeFlags: NODE_FLAGS, dataDir, masterKey });
    const firstStart = (Date.now() - launched) / 1000;
    report(`first start on a new data directory: ${firstStart.toFixed(1)} s (goal ≤ 10 s: ${verdict(firstStart <= 10)})`);
    const fresh = await idleRss(server);
    report(`idle RSS after the first start: ${mib(fresh)} [${breakdown(server)}] (goal ≤ 300 MiB: ${verdict(fresh <= 300)})`);
    await server.stop();

    server = await startPgliteBenchRotor({ repoRoot: ROTOR_ROOT, nodeFlags: NODE_FLAGS, dataDir, masterKey, admin });
    const restarted = await idleRss(server);
    report(`idle RSS after restart: ${mib(restarted)} [${breakdown(server)}] (goal ≤ 300 MiB: ${verdict(restarted <= 300)})`);
    await rotations(server, admin);
    await server.stop();
    server = null;

    const loading = Date.now();
    const store = new PGlite(path.join(dataDir, "pglite"));
    await store.exec(auditLoadStatement(AUDIT_ROWS));
    await store.close();
    console.log(`loaded ${AUDIT_ROWS} audit events in ${((Date.now() - loading) / 1000).toFixed(0)} s`);

    server = await startPgliteBenchRotor({ repoRoot: ROTOR_ROOT, nodeFlags: NODE_FLAGS, dataDir, masterKey, admin });
    await slowExport(server, admin);
  } finally {
    await server?.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
  console.log(`\nP4 footprint (PGlite store, process-group RSS, node ${NODE_FLAGS.join(" ") || "without flags"}), ${ROTOR_ROOT}:\n${results.map((line) => `- ${line}`).join("\n")}`);
}

runBenchmark(main);
