#!/usr/bin/env node
/**
 * `npm run build:cli`: bundles the `rotor` CLI (cli/rotor.ts and the libraries it uses) into dist/rotor.mjs,
 * one executable file that runs on Node.js 20+ with nothing else installed. Needs only this repo's dev
 * dependencies (esbuild).
 */
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
// `--outfile <path>` builds elsewhere (the tests build their own copy).
const outArg = process.argv.indexOf("--outfile");
const outfile = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(root, "dist", "rotor.mjs");

const result = await build({
  entryPoints: [path.join(root, "cli", "rotor.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  tsconfig: path.join(root, "tsconfig.json"),
  // Licences of the bundled libraries stay in the one file.
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
  banner: {
    // Bundled CommonJS libraries call require() for Node's built-ins; an ES module has no require of its own.
    js: [
      "#!/usr/bin/env node",
      "// rotor — the Rotor CLI, built by `npm run build:cli`. Node.js 20+.",
      'import { createRequire as __rotorCreateRequire } from "node:module";',
      "const require = __rotorCreateRequire(import.meta.url);",
    ].join("\n"),
  },
});
fs.chmodSync(outfile, 0o755);
const modules = Object.keys(result.metafile.inputs).length;
console.log(`[build:cli] ${path.relative(process.cwd(), outfile)}: ${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB (${modules} modules bundled)`);
