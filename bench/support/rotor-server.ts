/**
 * A real, built Rotor for the benchmarks that measure over HTTP: started the way an installer starts it
 * (e2e/support/rotor-server.ts: `npm start`, which builds first when the sources changed) on a free port,
 * with a PostgreSQL store on 127.0.0.1:5432 (startBenchRotor) or the embedded PGlite store in a data directory
 * the caller keeps (startPgliteBenchRotor), and a first admin created headlessly from ROTOR_ADMIN_*.
 * Also the server's resident memory (its whole process group), and signing in as a browser does.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { startRotorServer, type RotorServerHandle } from "../../e2e/support/rotor-server";
import { freePort } from "../../test/support/ports";

export const LOCAL_PG = "postgres://postgres@127.0.0.1:5432";


/** Every process in the server's process group (`npm start` and whatever runs under it), in MiB of VmRSS. */
export function groupRssMiB(pgid: number): number {
  return groupProcesses(pgid).reduce((sum, p) => sum + p.rssMiB, 0);
}

/** The processes of a process group: pid, name (/proc's comm) and VmRSS in MiB. */
export function groupProcesses(pgid: number): { pid: number; name: string; rssMiB: number }[] {
  const processes: { pid: number; name: string; rssMiB: number }[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue; // field 5 of stat: the process group
      const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${entry}/status`, "utf8"));
      processes.push({ pid: Number(entry), name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), rssMiB: rss ? Number(rss[1]) / 1024 : 0 });
    } catch {
      // gone meanwhile
    }
  }
  return processes;
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
  let rotor: RotorServerHandle;
  try {
    rotor = await launch({ ...options, admin, runDir, dataDir: path.join(runDir, "data"), env: { DATABASE_URL: databaseUrl, ...options.env } }, `database ${database}`);
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

export interface PgliteBenchRotor {
  rotor: RotorServerHandle;
  baseURL: string;
  /** Stops the server; the data directory stays (the caller removes it). */
  stop(): Promise<void>;
}

/**
 * Rotor on its embedded PGlite store in `dataDir`, which the caller keeps: a new directory is a first start,
 * the same one again a restart (same master key). Without `admin` no first admin is created (a new directory
 * then prints the setup link, as an installer sees it). The log goes next to the data directory.
 */
export async function startPgliteBenchRotor(options: {
  repoRoot: string;
  dataDir: string;
  masterKey: string;
  admin?: { email: string; password: string };
  env?: Record<string, string>;
  /** Node's flags for the server instead of the start script's. */
  nodeFlags?: string[];
}): Promise<PgliteBenchRotor> {
  const runDir = path.dirname(options.dataDir);
  const rotor = await launch({ ...options, runDir, env: options.env ?? {} }, `PGlite in ${options.dataDir}`);
  return { rotor, baseURL: rotor.baseURL, stop: () => rotor.stop() };
}

async function launch(
  options: {
    repoRoot: string;
    runDir: string;
    dataDir: string;
    masterKey?: string;
    admin?: { email: string; password: string };
    env: Record<string, string>;
    nodeFlags?: string[];
  },
  store: string,
): Promise<RotorServerHandle> {
  const port = await freePort();
  console.log(`starting Rotor from ${options.repoRoot} on port ${port}, ${store} (builds first if the sources changed)`);
  return startRotorServer({
    repoRoot: options.repoRoot,
    port,
    nodeFlags: options.nodeFlags,
    logFile: path.join(options.runDir, "rotor.log"),
    env: {
      ROTOR_MASTER_KEY: options.masterKey ?? randomBytes(32).toString("base64"),
      ROTOR_DATA_DIR: options.dataDir,
      ...(options.admin ? { ROTOR_ADMIN_EMAIL: options.admin.email, ROTOR_ADMIN_PASSWORD: options.admin.password } : {}),
      ROTOR_SCHEDULER: "off",
      ROTOR_LOG_LEVEL: "warn",
      ...options.env,
    },
  });
}

/** Signs in as a browser does (Auth.js credentials: the CSRF cookie and token, then the callback); the cookies to send. */
export async function signInCookies(baseURL: string, admin: { email: string; password: string }): Promise<string> {
  const csrf = await fetch(`${baseURL}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookies = (response: Response) => response.headers.getSetCookie().map((c) => c.split(";")[0]);
  const csrfCookies = cookies(csrf);
  const response = await fetch(`${baseURL}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookies.join("; ") },
    body: new URLSearchParams({ email: admin.email, password: admin.password, csrfToken, callbackUrl: baseURL }),
  });
  const session = cookies(response).filter((c) => c.includes("authjs.session-token"));
  if (session.length === 0) throw new Error(`sign-in failed: ${response.status} ${response.headers.get("location")}`);
  return [...csrfCookies, ...session].join("; ");
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
