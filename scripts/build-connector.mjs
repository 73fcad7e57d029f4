#!/usr/bin/env node
/**
 * `npm run build:connector`: bundle Rotor's aws-lambda connector handler (connector/handler, with the same
 * rotator library Rotor uses and its database drivers) into one CommonJS file for the Lambda Node.js
 * runtime in connector/runtime.json, and zip it as dist/connector.zip (handler: index.handler). Needs only this repo's dev dependencies:
 * esbuild bundles, scripts/zip.mjs zips.
 */
import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { build } from "esbuild";
import { zip } from "./zip.mjs";

const runtime = JSON.parse(fs.readFileSync(new URL("../connector/runtime.json", import.meta.url), "utf8"));

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const outDir = path.join(root, "dist", "connector");
const zipFile = path.join(root, "dist", "connector.zip");

fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });

const result = await build({
  entryPoints: [path.join(root, "connector", "handler", "index.ts")],
  outfile: path.join(outDir, "index.js"),
  bundle: true,
  platform: "node",
  target: runtime.esbuildTarget,
  format: "cjs",
  // pg loads pg-native only when asked to (never here); Lambda has no native build of it.
  external: ["pg-native"],
  tsconfig: path.join(root, "tsconfig.json"),
  legalComments: "linked",
  minify: false,
  sourcemap: false,
  metafile: true,
  logLevel: "warning",
  banner: { js: "/* Rotor aws-lambda connector — built by `npm run build:connector`. Handler: index.handler */" },
});

const files = fs.readdirSync(outDir).sort();
const archive = zip(files.map((name) => ({ name, data: fs.readFileSync(path.join(outDir, name)) })));
fs.writeFileSync(zipFile, archive);

const inputs = Object.keys(result.metafile.inputs);
const sha256 = createHash("sha256").update(archive).digest("base64");
console.log(
  `[build:connector] ${path.relative(root, zipFile)}: ${(archive.length / 1024).toFixed(0)} KiB, ${files.join(", ")} ` +
    `(${inputs.length} modules bundled). Runtime ${runtime.lambdaRuntime}, handler index.handler. SHA-256 (base64, as Lambda's CodeSha256): ${sha256}`,
);
