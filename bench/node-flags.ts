/**
 * Benchmark (run on demand, not in CI): what the server's Node flags cost in speed and save in memory
 * (issue 12, P4). One build, the embedded PGlite store, the server started alternately with the flags of
 * package.json's start script (or --flags) and with none, --rounds times each, every start on a new data
 * directory with a first admin. Each start: a warm-up, then timed one after another
 *   - N rotations of one password rotator over the API (POST rotate, then GET the run every 5 ms until it
 *     succeeded: the time until the client sees it done),
 *   - K GETs of the environment's /open (decrypted and rendered as JSON) with an API token,
 *   - K GETs of the overview page, signed in as a browser is (a server-rendered React page),
 * then the process group's RSS. Prints the median of each per start and the range of the ratios round by round.
 *
 *   npm run bench:node-flags -- [--rounds 2] [--rotations 200] [--requests 100] [--flags "--optimize-for-size"] [--rotor-root DIR]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { startScriptNodeFlags } from "../e2e/support/rotor-server";
import { arg, median, runBenchmark } from "./support/timing";
import { benchApiClient, groupRssMiB, signInCookies, startPgliteBenchRotor } from "./support/rotor-server";

const ROUNDS = Number(arg("rounds", "2"));
const ROTATIONS = Number(arg("rotations", "200"));
const REQUESTS = Number(arg("requests", "100"));
const ROTOR_ROOT = path.resolve(arg("rotor-root", path.join(__dirname, "..")));
const FLAGS = arg("flags", startScriptNodeFlags(ROTOR_ROOT).join(" ")).split(/\s+/).filter(Boolean);
const WARM_UP = 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function times(count: number, once: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await once();
    samples.push(performance.now() - started);
  }
  return samples;
}

interface Sample {
  rotation: number;
  open: number;
  page: number;
  rssMiB: number;
}

async function measure(runDir: string, nodeFlags: string[], label: string): Promise<Sample> {
  const admin = { email: "bench@example.test", password: randomBytes(18).toString("base64url") };
  const dataDir = fs.mkdtempSync(path.join(runDir, "data-"));
  const server = await startPgliteBenchRotor({ repoRoot: ROTOR_ROOT, dataDir, masterKey: randomBytes(32).toString("base64"), admin, nodeFlags });
  try {
    const { call } = await benchApiClient(server.baseURL, admin);
    const cookie = await signInCookies(server.baseURL, admin);
    await call("POST", "/environments", { name: "flags" });
    await call("POST", "/environments/flags/rotators", { name: "secret", type: "password", inputs: {} });
    const rotate = async () => {
      const { runs } = (await call("POST", "/environments/flags/rotate", {})) as { runs: { id?: string }[] };
      const id = runs[0]?.id;
      if (!id) throw new Error(`the rotation did not start: ${JSON.stringify(runs)}`);
      for (;;) {
        const run = await call("GET", `/runs/${id}`);
        if (run.status === "succeeded") return;
        if (run.status !== "running") throw new Error(`the rotation ended ${run.status}`);
        await sleep(5);
      }
    };
    const open = async () => void (await call("GET", "/environments/flags/open"));
    const page = async () => {
      const response = await fetch(`${server.baseURL}/`, { headers: { cookie }, redirect: "manual" });
      if (response.status !== 200) throw new Error(`GET /: ${response.status}`);
      await response.text();
    };
    await times(WARM_UP, rotate);
    await times(WARM_UP, open);
    await times(WARM_UP, page);
    const sample = {
      rotation: median(await times(ROTATIONS, rotate)),
      open: median(await times(REQUESTS, open)),
      page: median(await times(REQUESTS, page)),
      rssMiB: groupRssMiB(server.rotor.pid),
    };
    console.log(
      `  ${label}: rotation ${sample.rotation.toFixed(1)} ms, /open ${sample.open.toFixed(1)} ms, overview ${sample.page.toFixed(1)} ms (medians); RSS ${sample.rssMiB.toFixed(0)} MiB`,
    );
    return sample;
  } finally {
    await server.stop();
  }
}

async function main() {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-bench-node-flags-"));
  const flagged = FLAGS.join(" ") || "(none)";
  const samples: Record<"flags" | "none", Sample[]> = { flags: [], none: [] };
  try {
    // Untimed: builds when the sources changed.
    const warm = await startPgliteBenchRotor({ repoRoot: ROTOR_ROOT, dataDir: path.join(runDir, "warm-up"), masterKey: randomBytes(32).toString("base64") });
    await warm.stop();
    for (let round = 1; round <= ROUNDS; round++) {
      samples.flags.push(await measure(runDir, FLAGS, `round ${round}, ${flagged}`));
      samples.none.push(await measure(runDir, [], `round ${round}, no flags`));
    }
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
  console.log(`\nNode flags ${flagged} vs none, ${ROUNDS} rounds, ${ROTATIONS} rotations and ${REQUESTS} requests each: per-round medians, and flags ÷ none in each round`);
  for (const [key, unit] of [["rotation", "ms"], ["open", "ms"], ["page", "ms"], ["rssMiB", "MiB"]] as const) {
    const a = samples.flags.map((s) => s[key]);
    const b = samples.none.map((s) => s[key]);
    const ratios = a.map((value, i) => value / b[i]!).sort((x, y) => x - y);
    const list = (values: number[]) => values.map((v) => v.toFixed(1)).join(" / ");
    console.log(`- ${key}: ${list(a)} vs ${list(b)} ${unit} (× ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)})`);
  }
}

runBenchmark(main);
