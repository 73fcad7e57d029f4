#!/usr/bin/env node
/**
 * `npm start`: build when there is no build of the current sources (`npm run build`, scripts/build.mjs),
 * then run the standalone server it writes to .next/standalone — the same server the container image runs.
 * Migrations are applied by the server itself at start (instrumentation.ts), so one command is enough.
 *
 * Node flags for the server belong in package.json's start script (`node [FLAGS] scripts/start.mjs`) and the
 * Dockerfile's CMD, which must agree (deploy/deploy.test.ts); e2e and the benchmarks read them from the start
 * script (e2e/support/rotor-server.ts). --heap-growing-percent=20 caps V8's old-generation growth between full
 * collections at 20 % of the live heap (by default V8 let it grow to ~2.2× here): the server's live heap is flat
 * over rotations, yet without the flag its RSS climbed 110–180 MiB over 1,000 of them with garbage V8 had not yet
 * collected; with it RSS stays within ~30 MiB after the first 100 (3,000 measured), at no measured cost in speed
 * (~1 % more GC work per rotation). --expose-gc lets lib/heap-compaction.ts give the heap's free pages back
 * 15 s after a burst (the start, an audit export), which V8 itself did not do. --optimize-for-size was measured
 * and left out: a third
 * less memory, 1.2–1.6× slower requests (bench/README.md, P4).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import nextEnv from "@next/env";
import { builtFrom, hashSources, root } from "./source-stamp.mjs";

const standalone = path.join(root, ".next", "standalone");
// `next build` copies .env files into .next/standalone, where the server would read them at start: this
// script reads the work tree's own (as `next start` did) and removes the copies, which go stale.
const ENV_FILES = [".env", ".env.production", ".env.local", ".env.production.local"];

function removeStandaloneEnvFiles() {
  for (const name of ENV_FILES) fs.rmSync(path.join(standalone, name), { force: true });
}

const built =
  fs.existsSync(path.join(root, ".next", "BUILD_ID")) &&
  fs.existsSync(path.join(standalone, "server.js")) &&
  fs.existsSync(path.join(standalone, "worker.js")) &&
  builtFrom(hashSources());
if (!built) {
  // scripts/build.mjs records the sources it built (scripts/source-stamp.mjs).
  console.log("[rotor] building (no build of the current sources yet) ...");
  const result = spawnSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
removeStandaloneEnvFiles();
nextEnv.loadEnvConfig(root, false, { info: () => undefined, error: console.error });

// The standalone server changes into its own directory: paths given relative to where `npm start` runs
// (the data directory, NAME_FILE settings) are made absolute first, so they mean what they meant.
const env = process.env;
env.NEXT_TELEMETRY_DISABLED = "1";
env.PORT ||= "3000";
env.ROTOR_DATA_DIR = path.resolve(env.ROTOR_DATA_DIR?.trim() || "./data");
for (const [key, value] of Object.entries(env)) {
  if (key.endsWith("_FILE") && value?.trim()) env[key] = path.resolve(value.trim());
}
// `next start` listens on every interface; the standalone server listens on $HOSTNAME, which shells and
// container runtimes set to the machine's own name. Listen on every (IPv4) interface, as the image does.
env.HOSTNAME = "0.0.0.0";

// The server runs in this process, as `node server.js` does in the image: a second Node process that only
// waited for it cost ~50 MB of resident memory. Signals reach the server directly.
await import(pathToFileURL(path.join(standalone, "server.js")).href);
