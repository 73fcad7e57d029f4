import "server-only";
/**
 * Opens the store: embedded PGlite in the data directory by default, or PostgreSQL when DATABASE_URL is set.
 * Both speak the same Drizzle pg-core dialect and run the same migrations from `drizzle/` at open (a new embedded
 * store is migrated where it is made: createPgliteDataDir).
 *
 * One store per process: Next.js may evaluate this module in several bundles (instrumentation, routes), so
 * the instance lives on globalThis. PGlite must never be opened twice on one directory (silent data loss),
 * so the data directory also carries a lock file naming the owning process.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import * as schema from "./schema";
import { ADVISORY_LOCKS } from "./advisory-locks";
import { ConfigError, env } from "../env";
import { logError } from "../log";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Either the database or a transaction: queries accept both so callers decide the transaction scope. */
export type DbOrTx = Db | Tx;

export interface Store {
  db: Db;
  kind: "pglite" | "postgres";
  /**
   * LISTEN on a channel: `onNotify` gets each payload NOTIFYed on it after commit, by this process or (on
   * PostgreSQL) any other instance sharing the database. `onReconnect` runs after a lost listening connection
   * is back — notifications sent meanwhile are lost, so the caller re-reads what it follows.
   */
  listen(channel: string, handlers: { onNotify(payload: string): void; onReconnect?(): void }): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const MIGRATIONS_FOLDER = path.join(/*turbopackIgnore: true*/ process.cwd(), "drizzle");

/** Takes the data directory's lock, or explains which process holds it. */
function lockDataDir(dataDir: string): () => void {
  const lockFile = path.join(dataDir, "rotor.lock");
  try {
    const holder = Number(fs.readFileSync(lockFile, "utf8"));
    if (holder && holder !== process.pid && processIsAlive(holder)) {
      throw new ConfigError(
        `Rotor cannot start: the data directory ${dataDir} is in use by another Rotor process (pid ${holder}). ` +
          `The embedded store can only be opened by one process; stop the other one or set DATABASE_URL to share a PostgreSQL.`,
      );
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
  }
  fs.writeFileSync(lockFile, String(process.pid), { mode: 0o600 });
  const unlock = () => {
    process.removeListener("exit", unlock);
    try {
      if (fs.readFileSync(lockFile, "utf8") === String(process.pid)) fs.unlinkSync(lockFile);
    } catch {
      // already gone
    }
  };
  // Next.js ends the server with process.exit on SIGTERM/SIGINT: release the lock then too (synchronously).
  process.once("exit", unlock);
  return unlock;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Creates the data directory if needed and proves it is writable, with a message that says what to fix. */
export function ensureWritableDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const probe = path.join(dir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, "");
    fs.unlinkSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(
      `Rotor cannot start: the data directory ${dir} is not writable (${code}). Set ROTOR_DATA_DIR to a directory this user can write.`,
    );
  }
}

/**
 * Settings added to PGlite's own start parameters. Its shared buffers default to PostgreSQL's 128 MB, and
 * that pool lives in the WASM heap, which never shrinks: once touched it stays resident. Rotor's working set
 * (rotators, schedules, recent runs, index pages of the large tables) fits in 16 MB, and what does not is
 * still in the OS page cache.
 */
const PGLITE_SETTINGS = ["shared_buffers=16MB"];

/**
 * Runs in a child process: creates a new PGlite data directory (initdb), applies the migrations and exits.
 * PGlite runs initdb in a second WASM instance and copies its result through a tarball, which peaks at several
 * hundred MB, and the first migration touches every catalog page; in the server's own process that memory
 * stays resident (the WASM heap and the freed pages are not given back).
 *
 * The migrations are applied exactly as drizzle's migrator does (drizzle-orm/migrator's readMigrationFiles and
 * pg-core's dialect.migrate, drizzle-orm 0.45): the journal's entries in order, each file split at its statement
 * breakpoints, all in one transaction, each recorded in drizzle.__drizzle_migrations with the SHA-256 of its
 * file and the journal's `when`, so that the server's own migrate() at open finds nothing to do. It is written
 * out here because drizzle-orm is bundled into the server and is not in the standalone build's node_modules;
 * PGlite is (serverExternalPackages). lib/db/client.test.ts compares the result with drizzle's migrator.
 */
const PGLITE_CREATE_SCRIPT = `
import { createHash } from "node:crypto";
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
const [dir, startParams, migrationsFolder] = process.argv.slice(1);
const journal = JSON.parse(fs.readFileSync(migrationsFolder + "/meta/_journal.json", "utf8"));
const migrations = journal.entries.map((entry) => {
  const query = fs.readFileSync(migrationsFolder + "/" + entry.tag + ".sql", "utf8");
  return { statements: query.split("--> statement-breakpoint"), when: entry.when, hash: createHash("sha256").update(query).digest("hex") };
});
const client = new PGlite(dir, { startParams: JSON.parse(startParams) });
await client.waitReady;
await client.query('CREATE SCHEMA IF NOT EXISTS "drizzle"');
await client.query('CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)');
await client.transaction(async (tx) => {
  for (const migration of migrations) {
    for (const statement of migration.statements) await tx.query(statement);
    await tx.query('insert into "drizzle"."__drizzle_migrations" ("hash", "created_at") values ($1, $2)', [migration.hash, migration.when]);
  }
});
await client.close();
`;

/**
 * Creates and migrates the data directory's store when there is none yet, in a short-lived child
 * (PGLITE_CREATE_SCRIPT), under a temporary name renamed into place at the end: a first start that is
 * interrupted leaves no half-made store behind, and the next start begins again.
 */
export async function createPgliteDataDir(pgDataDir: string, startParams: string[], migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  if (fs.existsSync(path.join(pgDataDir, "PG_VERSION"))) return;
  // An empty directory is where an earlier start stopped (or someone made it); anything else is not ours to replace.
  if (fs.existsSync(pgDataDir) && fs.readdirSync(pgDataDir).length > 0) {
    throw new ConfigError(
      `Rotor cannot start: ${pgDataDir} is not an embedded store (no PG_VERSION) and not empty. Move it away or set ROTOR_DATA_DIR to another directory.`,
    );
  }
  const building = `${pgDataDir}.init`;
  fs.rmSync(building, { recursive: true, force: true });
  let failure = "";
  try {
    await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", PGLITE_CREATE_SCRIPT, building, JSON.stringify(startParams), migrationsFolder],
      {
        // The script imports PGlite from the app's node_modules, resolved from the working directory.
        cwd: process.cwd(),
        // Nothing of the server's environment (the master key among it) is needed there.
        env: { PATH: process.env.PATH, NODE_ENV: process.env.NODE_ENV },
      },
    );
  } catch (error) {
    failure = ((error as { stderr?: string }).stderr || (error as Error).message).trim().slice(-2000);
  }
  if (failure || !fs.existsSync(path.join(building, "PG_VERSION"))) {
    fs.rmSync(building, { recursive: true, force: true });
    throw new Error(`Creating the embedded store in ${pgDataDir} failed: ${failure || "initdb made no PG_VERSION"}`);
  }
  if (fs.existsSync(pgDataDir)) fs.rmdirSync(pgDataDir); // empty, checked above
  fs.renameSync(building, pgDataDir);
}

async function openPglite(dataDir: string): Promise<Store> {
  ensureWritableDir(dataDir);
  const unlock = lockDataDir(dataDir);
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const pgDataDir = path.join(dataDir, "pglite");
  const startParams = [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((setting) => ["-c", setting])];
  let client: InstanceType<typeof PGlite>;
  try {
    await createPgliteDataDir(pgDataDir, startParams);
    client = new PGlite(pgDataDir, { startParams });
    await client.waitReady;
  } catch (error) {
    unlock();
    throw error;
  }
  const db = drizzle(client, { schema }) as unknown as Db;
  // A new store was migrated where it was made; this applies what a newer release added to an older one.
  await migrate(db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  return {
    db,
    kind: "pglite",
    // One process owns the directory, so PGlite's own LISTEN sees every NOTIFY.
    async listen(channel, { onNotify }) {
      const unlisten = await client.listen(channel, onNotify);
      return async () => unlisten();
    },
    async close() {
      await client.close();
      unlock();
    },
  };
}

async function openPostgres(databaseUrl: string): Promise<Store> {
  const { Pool } = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate } = await import("drizzle-orm/node-postgres/migrator");
  const pool = new Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 10_000 });
  // Errors on idle clients would otherwise crash the process.
  pool.on("error", (error) => logError("database connection error", error));
  try {
    await pool.query("select 1");
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = (error as Error).message.replace(/postgres(ql)?:\/\/[^\s]*/g, "[DATABASE_URL]");
    throw new ConfigError(`Rotor cannot start: cannot connect to the database in DATABASE_URL (${reason}).`);
  }
  const db = drizzle(pool, { schema }) as unknown as Db;
  // Several instances may start together: one migrates while the others wait.
  const lockClient = await pool.connect();
  try {
    await lockClient.query("select pg_advisory_lock($1)", [ADVISORY_LOCKS.migrations]);
    await migrate(db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await lockClient.query("select pg_advisory_unlock($1)", [ADVISORY_LOCKS.migrations]).catch(() => undefined);
    lockClient.release();
  }
  const listener = postgresListener(databaseUrl);
  return {
    db,
    kind: "postgres",
    listen: listener.listen,
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

/**
 * LISTEN needs a connection of its own that stays open (a pooled one would be handed to other queries), so
 * every channel of the process shares one dedicated client, reconnected with backoff when it drops.
 */
function postgresListener(databaseUrl: string) {
  type Handlers = { onNotify(payload: string): void; onReconnect?(): void };
  const channels = new Map<string, Set<Handlers>>();
  let client: import("pg").Client | null = null;
  let connecting: Promise<import("pg").Client> | null = null;
  let closed = false;
  let retryMs = 500;

  const quote = (channel: string) => `"${channel.replace(/"/g, '""')}"`;

  async function connect(): Promise<import("pg").Client> {
    const { Client } = await import("pg");
    const next = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
    next.on("notification", (message) => {
      for (const handlers of channels.get(message.channel) ?? []) handlers.onNotify(message.payload ?? "");
    });
    const lost = () => {
      if (client !== next) return;
      client = null;
      if (!closed && channels.size > 0) setTimeout(() => void reconnect(), retryMs).unref?.();
    };
    next.on("error", lost);
    next.on("end", lost);
    await next.connect();
    for (const channel of channels.keys()) await next.query(`listen ${quote(channel)}`);
    retryMs = 500;
    client = next;
    return next;
  }

  async function reconnect() {
    if (closed || client || connecting) return;
    connecting = connect();
    try {
      await connecting;
      for (const set of channels.values()) for (const handlers of set) handlers.onReconnect?.();
    } catch (error) {
      retryMs = Math.min(retryMs * 2, 30_000);
      logError(`LISTEN connection failed; retrying in ${retryMs} ms`, error);
      setTimeout(() => void reconnect(), retryMs).unref?.();
    } finally {
      connecting = null;
    }
  }

  return {
    async listen(channel: string, handlers: Handlers) {
      const first = !channels.has(channel);
      if (first) channels.set(channel, new Set());
      channels.get(channel)!.add(handlers);
      const active = client ?? (await (connecting ??= connect().finally(() => (connecting = null))));
      if (first && active !== null) await active.query(`listen ${quote(channel)}`);
      return async () => {
        const set = channels.get(channel);
        set?.delete(handlers);
        if (set && set.size === 0) {
          channels.delete(channel);
          await client?.query(`unlisten ${quote(channel)}`).catch(() => undefined);
        }
      };
    },
    async close() {
      closed = true;
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}

export async function openStore(options: { databaseUrl?: string; dataDir: string }): Promise<Store> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPglite(options.dataDir);
}

const globalStore = globalThis as unknown as { __rotorStore?: Promise<Store> };

/** The process-wide store, opened (and migrated) on first use. */
export function getStore(): Promise<Store> {
  if (!globalStore.__rotorStore) {
    const { databaseUrl, dataDir } = env();
    globalStore.__rotorStore = openStore({ databaseUrl, dataDir });
    globalStore.__rotorStore.catch(() => {
      globalStore.__rotorStore = undefined;
    });
  }
  return globalStore.__rotorStore;
}

export async function pingDb(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
