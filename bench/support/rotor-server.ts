/**
 * A real, built Rotor for the benchmarks that measure over HTTP: started the way an installer starts it
 * (e2e/support/rotor-server.ts: `npm start`, which builds first when the sources changed) on a free port,
 * with a PostgreSQL store on 127.0.0.1:5432 and a first admin created headlessly from ROTOR_ADMIN_*.
 * Also the server's resident memory (its whole process group).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { startRotorServer, type RotorServerHandle } from "../../e2e/support/rotor-server";
import { freePort } from "../../test/support/ports";

export const LOCAL_PG = "postgres://postgres@127.0.0.1:5432";


/** Every process in the server's process group (`npm start` and next-server under it), in MiB of VmRSS. */
export function groupRssMiB(pgid: number): number {
  let kib = 0;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue; // field 5 of stat: the process group
      const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${entry}/status`, "utf8"));
      kib += rss ? Number(rss[1]) : 0;
    } catch {
      // gone meanwhile
    }
  }
  return kib / 1024;
}

export interface BenchRotor {
  rotor: RotorServerHandle;
  baseURL: string;
  databaseUrl: string;
  admin: { email: string; password: string };
  /** Stops the server, removes its run directory and drops the database unless it was a kept one. */
  stop(): Promise<void>;
}

export interface BenchRotorOptions {
  /** The checkout to start (`npm start` there). */
  repoRoot: string;
  /** A database to keep between runs (created when missing, never dropped); by default a fresh one, dropped at stop. */
  keepDatabase?: string;
  /** Needed to reopen a kept database: its master key and first admin must be the same each run. */
  masterKey?: string;
  admin?: { email: string; password: string };
  env?: Record<string, string>;
}

export async function startBenchRotor(options: BenchRotorOptions): Promise<BenchRotor> {
  const database = options.keepDatabase ?? `rotor_bench_${randomBytes(4).toString("hex")}`;
  const server = new pg.Client({ connectionString: `${LOCAL_PG}/postgres` });
  await server.connect();
  const exists = (await server.query("select 1 from pg_database where datname = $1", [database])).rowCount;
  if (!exists) await server.query(`create database ${pg.escapeIdentifier(database)}`);
  await server.end();
  const dropDatabase = async () => {
    if (options.keepDatabase) return;
    const client = new pg.Client({ connectionString: `${LOCAL_PG}/postgres` });
    await client.connect();
    await client.query(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`);
    await client.end();
  };
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-bench-"));
  const admin = options.admin ?? { email: "bench@example.test", password: randomBytes(18).toString("base64url") };
  const databaseUrl = `${LOCAL_PG}/${database}`;
  const port = await freePort();
  console.log(`starting Rotor from ${options.repoRoot} on port ${port}, database ${database} (builds first if the sources changed)`);
  let rotor: RotorServerHandle;
  try {
    rotor = await startRotorServer({
      repoRoot: options.repoRoot,
      port,
      logFile: path.join(runDir, "rotor.log"),
      env: {
        DATABASE_URL: databaseUrl,
        ROTOR_MASTER_KEY: options.masterKey ?? randomBytes(32).toString("base64"),
        ROTOR_DATA_DIR: path.join(runDir, "data"),
        ROTOR_ADMIN_EMAIL: admin.email,
        ROTOR_ADMIN_PASSWORD: admin.password,
        ROTOR_SCHEDULER: "off",
        ROTOR_LOG_LEVEL: "warn",
        ...options.env,
      },
    });
  } catch (error) {
    await dropDatabase();
    fs.rmSync(runDir, { recursive: true, force: true });
    throw error;
  }
  return {
    rotor,
    baseURL: rotor.baseURL,
    databaseUrl,
    admin,
    stop: async () => {
      await rotor.stop();
      await dropDatabase();
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** /api/v1 calls with an API token the given admin signs in for: JSON in, JSON out, a non-2xx answer thrown. */
export async function benchApiClient(baseURL: string, admin: { email: string; password: string }) {
  let token = "";
  const call = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${baseURL}/api/v1${url}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  token = (await call("POST", "/auth/token", { ...admin, name: "bench" })).token as string;
  return { call, token };
}
