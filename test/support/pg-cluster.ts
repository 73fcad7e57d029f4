/**
 * A throwaway PostgreSQL 15 cluster for integration tests that must prove a password works (the shared server
 * on :5432 uses trust authentication and accepts any password).
 *
 *   const cluster = await startPgCluster();            // ~1-2 s
 *   ... cluster.host / cluster.port / cluster.superuser / cluster.superPassword ...
 *   await cluster.stop();                              // idempotent; removes the data directory
 *
 * - SCRAM everywhere: `password_encryption=scram-sha-256`, pg_hba `scram-sha-256` for the socket and for
 *   127.0.0.1/::1, a random superuser password (initdb --pwfile).
 * - `log_statement=all` into `cluster.logFile`, so tests can prove what did (not) reach the server.
 * - Fast: initdb --no-sync, fsync/full_page_writes/synchronous_commit off.
 * - No leaks: postgres runs under a small shell wrapper that stops it and deletes the directory as soon as
 *   this process closes the wrapper's stdin — on stop(), on normal exit, and also when the test worker is
 *   killed, because the kernel closes the pipe then.
 * - Optional TLS (`{ tls: true }`): a fresh CA and a server certificate for DNS:localhost only (so connecting
 *   to 127.0.0.1 with verify-full fails the host name check); the CA is returned as `caPem`.
 *
 * As root (CI containers), initdb and postgres run as the `postgres` user; otherwise as the current user.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chownSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { freePort } from "./ports";

const run = promisify(execFile);

export const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export interface PgClusterOptions {
  /** Enable TLS with a generated CA (see `caPem`). */
  tls?: boolean;
  /** Extra server settings (`-c name=value`). */
  settings?: Record<string, string | number>;
}

export interface PgLogin {
  username: string;
  password: string;
  database?: string;
}

export interface PgCluster {
  host: string;
  port: number;
  superuser: string;
  superPassword: string;
  dataDir: string;
  /** The server log (stderr), with every statement (`log_statement=all`). */
  logFile: string;
  /** The CA that signed the server certificate, when started with `tls: true`. */
  caPem?: string;
  readLog(): string;
  /** Run `work` with a connected superuser client; the client is always closed. */
  withSuperuser<T>(work: (client: pg.Client) => Promise<T>): Promise<T>;
  /** Whether a login with this password succeeds — independent of any Rotor code. Throws on other errors. */
  checkLogin(login: PgLogin): Promise<boolean>;
  stop(): Promise<void>;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** As root, drop to the `postgres` user (initdb and postgres refuse to run as root). */
function runAs(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("pg-cluster: running as root but there is no `postgres` user to run PostgreSQL as");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

function own(file: string, as: RunAs): void {
  if (as.uid !== undefined) chownSync(file, as.uid, as.gid!);
}

/** Only what initdb/postgres need: no PG* variables from the developer's shell leak into the cluster. */
function minimalEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", ...vars } as unknown as NodeJS.ProcessEnv;
}


async function makeTls(dir: string, as: RunAs): Promise<{ settings: Record<string, string>; caPem: string }> {
  const f = (name: string) => path.join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run("openssl", ["req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "2",
    "-subj", "/CN=rotor-test-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"]);
  await run("openssl", ["req", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", "/CN=localhost"]);
  writeFileSync(f("ext.cnf"), "subjectAltName=DNS:localhost\n");
  await run("openssl", ["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"),
    "-CAcreateserial", "-out", f("server.crt"), "-days", "2", "-extfile", f("ext.cnf")]);
  for (const name of ["server.key", "server.crt", "ca.crt"]) own(f(name), as);
  chmodSync(f("server.key"), 0o600);
  return {
    settings: { ssl: "on", ssl_cert_file: f("server.crt"), ssl_key_file: f("server.key") },
    caPem: readFileSync(f("ca.crt"), "utf8"),
  };
}

/**
 * Runs postgres in the background and waits on stdin (fd 3, because a background job's stdin is /dev/null in a
 * non-interactive sh). EOF on stdin → fast shutdown → the cluster directory is deleted.
 */
const WRAPPER = `
exec 3<&0
"$PG_BIN/postgres" "$@" >>"$PG_LOG" 2>&1 &
pg=$!
( cat <&3 >/dev/null; kill -INT "$pg" 2>/dev/null ) &
watcher=$!
wait "$pg"
status=$?
kill "$watcher" 2>/dev/null
rm -rf "$PG_BASE"
exit $status
`;

async function waitUntilReady(child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error("postgres exited during startup");
    if (existsSync(logFile) && readFileSync(logFile, "utf8").includes("ready to accept connections")) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`postgres did not become ready within ${timeoutMs} ms`);
}

export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const as = runAs();
  const base = mkdtempSync(path.join(tmpdir(), "rotor-pg-"));
  own(base, as);
  const dataDir = path.join(base, "data");
  const logFile = path.join(base, "postgres.log");
  const superuser = "rotor_super";
  const superPassword = randomBytes(18).toString("base64url");
  let child: ChildProcess | undefined;
  try {
    const pwfile = path.join(base, "pwfile");
    writeFileSync(pwfile, `${superPassword}\n`, { mode: 0o600 });
    own(pwfile, as);
    await run(
      path.join(PG_BIN, "initdb"),
      ["-D", dataDir, "-U", superuser, `--pwfile=${pwfile}`, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C", "--no-instructions"],
      { ...as, env: minimalEnv({ LC_ALL: "C" }) },
    );
    rmSync(pwfile);
    writeFileSync(
      path.join(dataDir, "pg_hba.conf"),
      ["local all all scram-sha-256", "host all all 127.0.0.1/32 scram-sha-256", "host all all ::1/128 scram-sha-256", ""].join("\n"),
    );
    const tls = options.tls ? await makeTls(base, as) : undefined;
    const settings: Record<string, string | number> = {
      listen_addresses: "127.0.0.1",
      unix_socket_directories: base,
      password_encryption: "scram-sha-256",
      log_statement: "all",
      fsync: "off",
      synchronous_commit: "off",
      full_page_writes: "off",
      max_connections: 40,
      shared_buffers: "16MB",
      ...tls?.settings,
      ...options.settings,
    };
    const config = Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]);

    // The port is free when chosen but could be taken before postgres binds it; try a few.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const attemptChild = spawn("sh", ["-c", WRAPPER, "pg-cluster", "-D", dataDir, "-p", String(port), ...config], {
        ...as,
        env: minimalEnv({ PG_BIN, PG_LOG: logFile, PG_BASE: base, LC_ALL: "C" }),
        stdio: ["pipe", "ignore", "ignore"],
      });
      child = attemptChild;
      // A forgotten stop() must not keep the test process alive; exit closes the pipe and the wrapper cleans up.
      attemptChild.unref();
      (attemptChild.stdin as unknown as { unref?: () => void }).unref?.();
      try {
        await waitUntilReady(attemptChild, logFile, 20_000);
        break;
      } catch (error) {
        const log = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
        attemptChild.stdin?.end();
        if (attempt < 3 && /could not (bind|create listen socket)/i.test(log)) continue;
        throw new Error(`pg-cluster: ${(error as Error).message}\n${log.slice(-2000)}`);
      }
    }

    const started: ChildProcess = child!;
    // For a last-resort kill if a fast shutdown hangs (killing the wrapper alone would orphan postgres).
    const postmasterPid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    const host = "127.0.0.1";
    let stopping: Promise<void> | undefined;
    const clientFor = (login: PgLogin) =>
      new pg.Client({ host, port, user: login.username, password: login.password, database: login.database ?? "postgres", connectionTimeoutMillis: 5000 });

    return {
      host,
      port,
      superuser,
      superPassword,
      dataDir,
      logFile,
      ...(tls ? { caPem: tls.caPem } : {}),
      readLog: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
      async withSuperuser(work) {
        const client = clientFor({ username: superuser, password: superPassword });
        await client.connect();
        try {
          return await work(client);
        } finally {
          await client.end().catch(() => {});
        }
      },
      async checkLogin(login) {
        const client = clientFor(login);
        client.on("error", () => {});
        try {
          await client.connect();
          await client.query("SELECT 1");
          return true;
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code === "28P01" || code === "28000") return false;
          throw error;
        } finally {
          await client.end().catch(() => {});
        }
      },
      stop() {
        stopping ??= new Promise<void>((resolve) => {
          if (started.exitCode !== null || started.signalCode !== null) return resolve();
          started.once("exit", () => resolve());
          started.stdin?.end();
          // Fast shutdown takes well under a second; do not hang a test run on a stuck server.
          setTimeout(() => {
            try {
              process.kill(postmasterPid, "SIGKILL");
            } catch {
              // already gone
            }
            started.kill("SIGKILL");
            resolve();
          }, 10_000).unref();
        }).then(() => rmSync(base, { recursive: true, force: true }));
        return stopping;
      },
    };
  } catch (error) {
    child?.stdin?.end();
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
}
