#!/usr/bin/env node
/**
 * Bundles the scheduler worker (scripts/worker.ts, what `npm run worker` runs with tsx as its loader) into one file,
 * dist/worker.js, that runs with `node` alone: the container image has no TypeScript sources and no tsx.
 * `react-server` resolves the `server-only` guard of Rotor's server modules to its empty server build, as
 * the tsx command line does. The worker needs PostgreSQL; PGlite (embedded store only) is left out.
 */
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const outfile = path.join(root, "dist", "worker.js");

await build({
  entryPoints: [path.join(root, "scripts", "worker.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  conditions: ["react-server"],
  external: ["pg-native", "@electric-sql/pglite"],
  tsconfig: path.join(root, "tsconfig.json"),
  // Inlined like next.config.js does for the server (lib/build-info.ts).
  define: process.env.ROTOR_BUILD_COMMIT ? { "process.env.ROTOR_BUILD_COMMIT": JSON.stringify(process.env.ROTOR_BUILD_COMMIT) } : {},
  legalComments: "linked",
  logLevel: "warning",
});
console.log(`[build:worker] ${path.relative(root, outfile)}`);
