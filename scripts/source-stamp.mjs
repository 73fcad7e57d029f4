/**
 * Which sources the build in .next was made from: `npm run build` (scripts/build.mjs) records a hash of the
 * sources it built, and `npm start` (scripts/start.mjs) builds again only when the sources have changed since.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const stampFile = path.join(root, ".next", "rotor-source-hash");
const SOURCES = ["app", "components", "lib", "drizzle", "public", "connector", "instrumentation.ts", "proxy.ts", "next.config.js", "package.json", "tsconfig.json", "scripts"];

/** A hash of every file the build reads (tests excluded: they change nothing that is built). */
export function hashSources() {
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

/** Records that the build in .next is of `hash` (computed before the build started, so an edit made
 *  during the build makes the next `npm start` build again). */
export function writeSourceStamp(hash) {
  fs.writeFileSync(stampFile, hash);
}

export function builtFrom(hash) {
  return fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === hash;
}
