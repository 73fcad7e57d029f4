/**
 * The standalone server (`output: "standalone"`) runs with `node` alone, as the container image runs it:
 * copied out of the work tree (so nothing can be found in the repository's node_modules), on a fresh data
 * directory, it opens the embedded store (PGlite's WASM and data files, the drizzle/ migrations), prints the
 * setup link, answers the health probes and serves its pages and static assets. It also runs with the
 * settings the image and the manifests use: JSON logs and a secret read from a file.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { test, expect } from "@playwright/test";
import { startRotorServer, type RotorServerHandle } from "./support/rotor-server";

const repoRoot = path.resolve(__dirname, "..");
const TOKEN = "standalone-metrics-token-0123456789";

test.describe.configure({ mode: "serial" });

let runDir = "";
let server: RotorServerHandle | undefined;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const built = path.join(repoRoot, ".next", "standalone", "server.js");
  expect(fs.existsSync(built), "global setup builds Rotor (npm start), which writes .next/standalone").toBe(true);
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-standalone-"));
  const app = path.join(runDir, "app");
  fs.cpSync(path.dirname(built), app, { recursive: true });
  // Nothing from the work tree: no node_modules or migrations above the copy to fall back on.
  expect(fs.existsSync(path.join(runDir, "node_modules"))).toBe(false);
  fs.writeFileSync(path.join(runDir, "metrics-token"), `${TOKEN}\n`, { mode: 0o600 });
  const port = Number(execFileSync(process.execPath, ["-e", "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"], { encoding: "utf8" }));
  server = await startRotorServer({
    repoRoot,
    port,
    standaloneServer: path.join(app, "server.js"),
    logFile: path.join(runDir, "rotor.log"),
    timeoutMs: 60_000,
    env: {
      HOSTNAME: "0.0.0.0",
      ROTOR_DATA_DIR: path.join(runDir, "data"),
      ROTOR_LOG_FORMAT: "json",
      ROTOR_METRICS_TOKEN_FILE: path.join(runDir, "metrics-token"),
    },
  });
});

test.afterAll(async () => {
  await server?.stop();
  if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
});

test("boots on a fresh data directory and prints the setup link as a JSON log line", async () => {
  expect(server!.setupUrl).toMatch(/\/setup\?token=[\w-]+$/);
  const lines = server!.output().split("\n").filter((line) => line.startsWith("{"));
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(records.find((r) => r.setupUrl === server!.setupUrl)).toMatchObject({ level: "info", message: expect.stringContaining("first admin") });
  expect(records.some((r) => typeof r.message === "string" && r.message.startsWith("store: embedded PGlite"))).toBe(true);
  expect(fs.existsSync(path.join(runDir, "data", "pglite"))).toBe(true);
});

test("answers the liveness and readiness probes with its version and commit", async ({ request }) => {
  const live = await request.get(`${server!.baseURL}/api/health`);
  expect(live.status()).toBe(200);
  const body = await live.json();
  expect(body).toMatchObject({ status: "alive", checks: { store: "ok", scheduler: "running" }, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  expect(body.commit).toMatch(/^[0-9a-f]{7,}$|^unknown$/);
  const ready = await request.get(`${server!.baseURL}/api/health?probe=ready`);
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toMatchObject({ status: "ready" });
});

test("serves the setup page with its static assets, and metrics with the token read from a file", async ({ request }) => {
  const setup = await request.get(server!.setupUrl!);
  expect(setup.status()).toBe(200);
  const html = await setup.text();
  const asset = /\/_next\/static\/[^"]+\.(?:js|css)/.exec(html)?.[0];
  expect(asset, "the page references its static assets").toBeTruthy();
  expect((await request.get(`${server!.baseURL}${asset}`)).status()).toBe(200);

  expect((await request.get(`${server!.baseURL}/api/metrics`)).status()).toBe(401);
  const metrics = await request.get(`${server!.baseURL}/api/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(metrics.status()).toBe(200);
  const text = await metrics.text();
  expect(text).toMatch(/^rotor_build_info\{version="[^"]+",commit="[^"]+"\} 1$/m);
  expect(text).toMatch(/^rotor_scheduler_processes 1$/m);
  expect(text).toContain("process_resident_memory_bytes");
});
