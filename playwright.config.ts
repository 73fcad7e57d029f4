/**
 * End-to-end tests: one real Rotor server (built once, embedded PGlite in a temporary data directory) and
 * one real OpenID Connect provider, both started by e2e/global-setup.ts. The specs share that server, so
 * they run one at a time; the "first-run" project creates the first admin before the others run.
 * See e2e/README.md.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { defineConfig } from "@playwright/test";

// The port must be known here (baseURL) and in global setup, and be the same in every worker: the config is
// evaluated by the runner first and the workers inherit its environment.
process.env.ROTOR_E2E_PORT ??= execFileSync(
  process.execPath,
  ["-e", "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"],
  { encoding: "utf8" },
);
const baseURL = `http://localhost:${process.env.ROTOR_E2E_PORT}`;

// Playwright cannot download its own browser here; use the system Chromium when there is one.
const chromium = process.env.ROTOR_E2E_CHROMIUM ?? "/usr/bin/chromium";
const executablePath = fs.existsSync(chromium) ? chromium : undefined;

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  globalSetup: "./e2e/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 45_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"], ["html", { open: "never" }]] : [["list"]],
  use: {
    baseURL,
    browserName: "chromium",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [
    // Creates the first admin through /setup and saves its signed-in state; every other spec depends on it.
    { name: "first-run", testMatch: /.*\.setup\.ts$/ },
    { name: "e2e", testMatch: /.*\.spec\.ts$/, dependencies: ["first-run"] },
  ],
});
