#!/usr/bin/env node
/**
 * `npm run build`: everything Rotor runs in production, in .next/standalone, runnable with `node` alone:
 *   server.js    the standalone Next.js server (`output: "standalone"`) with the files it traced
 *                (PGlite's WASM and data, the drizzle/ migrations: next.config.js), plus the static assets
 *                and public/ that Next.js leaves to be copied;
 *   worker.js    the scheduler worker (scripts/build-worker.mjs).
 * The container image copies that one directory; `npm start` (scripts/start.mjs) runs the same server.js,
 * and builds again only if the sources changed since the hash recorded here (scripts/source-stamp.mjs).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { hashSources, root, writeSourceStamp } from "./source-stamp.mjs";

const standalone = path.join(root, ".next", "standalone");

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const sources = hashSources();
run([path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"]);
fs.cpSync(path.join(root, ".next", "static"), path.join(standalone, ".next", "static"), { recursive: true });
if (fs.existsSync(path.join(root, "public"))) fs.cpSync(path.join(root, "public"), path.join(standalone, "public"), { recursive: true });
run([path.join(root, "scripts", "build-worker.mjs")]);
fs.copyFileSync(path.join(root, "dist", "worker.js"), path.join(standalone, "worker.js"));
writeSourceStamp(sources);
