#!/usr/bin/env node
/**
 * `npm start`: build when there is no build of the current sources, then run `next start`.
 * Migrations are applied by the server itself at start (instrumentation.ts), so one command is enough.
 */
import { createHash } from "node:crypto";
import { spawnSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const stampFile = path.join(root, ".next", "rotor-source-hash");
const SOURCES = ["app", "components", "lib", "drizzle", "public", "instrumentation.ts", "proxy.ts", "next.config.js", "package.json", "tsconfig.json"];

function hashSources() {
  const hash = createHash("sha256");
  const walk = (p) => {
    if (!fs.existsSync(p)) return;
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) {
        if (name === "node_modules" || name.endsWith(".test.ts")) continue;
        walk(path.join(p, name));
      }
    } else {
      hash.update(path.relative(root, p)).update(fs.readFileSync(p));
    }
  };
  for (const source of SOURCES) walk(path.join(root, source));
  return hash.digest("hex");
}

// Run Next's own entry with this Node, so signals reach the server directly.
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const current = hashSources();
const built = fs.existsSync(path.join(root, ".next", "BUILD_ID")) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === current;
if (!built) {
  console.log("[rotor] building (no build of the current sources yet) ...");
  const result = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) process.exit(result.status ?? 1);
  fs.writeFileSync(stampFile, current);
}

const port = process.env.PORT || "3000";
const child = spawn(process.execPath, [nextBin, "start", "-p", port], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
