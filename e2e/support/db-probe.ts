/**
 * The application of the `rotor run --watch` test: a small Node program that opens a fresh connection to
 * PostgreSQL or MariaDB every 100 ms with DB_USER/DB_PASSWORD from its environment, runs a query, closes,
 * and appends one JSON line per attempt to PROBE_LOG: ok or the error code, the user, and a fingerprint of
 * the password (never the password). SIGTERM lets the attempt in flight finish, then exits 0.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const SCRIPT = `
const fs = require("node:fs");
const { createHash } = require("node:crypto");
const kind = process.env.PROBE_KIND;
const user = process.env.DB_USER, password = process.env.DB_PASSWORD;
const fp = password ? createHash("sha256").update(password).digest("hex").slice(0, 12) : null;
const log = (entry) => fs.appendFileSync(process.env.PROBE_LOG, JSON.stringify({ pid: process.pid, t: Date.now(), user, fp, ...entry }) + "\\n");
log({ event: "start" });
const driver = require(process.env.PROBE_DRIVER);
let stopping = false;
process.on("SIGTERM", () => { stopping = true; });
async function attempt() {
  if (kind === "postgres") {
    const client = new driver.Client({ host: process.env.PROBE_HOST, port: Number(process.env.PROBE_PORT), user, password, database: "postgres", connectionTimeoutMillis: 5000 });
    client.on("error", () => {});
    try { await client.connect(); await client.query("SELECT 1"); } finally { await client.end().catch(() => {}); }
  } else {
    const c = await driver.createConnection({ host: process.env.PROBE_HOST, port: Number(process.env.PROBE_PORT), user, password, connectTimeout: 5000 });
    try { await c.query("SELECT 1"); } finally { await c.end().catch(() => c.destroy()); }
  }
}
(async () => {
  while (!stopping) {
    try { await attempt(); log({ event: "attempt", ok: true }); }
    catch (error) { log({ event: "attempt", ok: false, code: String(error.code ?? error.errno ?? error.message) }); }
    await new Promise((r) => setTimeout(r, 100));
  }
  log({ event: "stop" });
  process.exit(0);
})();
`;

export interface ProbeEntry {
  pid: number;
  t: number;
  user: string;
  fp: string;
  event: "start" | "attempt" | "stop";
  ok?: boolean;
  code?: string;
}

export function fingerprint(password: string): string {
  return createHash("sha256").update(password).digest("hex").slice(0, 12);
}

export interface Probe {
  script: string;
  logFile: string;
  env: Record<string, string>;
  entries(): ProbeEntry[];
}

export function writeProbe(dir: string, target: { kind: "postgres" | "mysql"; host: string; port: number }): Probe {
  const script = path.join(dir, `probe-${target.kind}.cjs`);
  const logFile = path.join(dir, `probe-${target.kind}.jsonl`);
  fs.writeFileSync(script, SCRIPT);
  return {
    script,
    logFile,
    env: {
      PROBE_KIND: target.kind,
      PROBE_DRIVER: require.resolve(target.kind === "postgres" ? "pg" : "mysql2/promise"),
      PROBE_HOST: target.host,
      PROBE_PORT: String(target.port),
      PROBE_LOG: logFile,
    },
    entries: () =>
      fs.existsSync(logFile)
        ? fs.readFileSync(logFile, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as ProbeEntry)
        : [],
  };
}
