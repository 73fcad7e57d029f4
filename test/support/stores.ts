/**
 * Opens a real, empty Rotor store for a test: embedded PGlite in a temp directory, or a fresh database on
 * the PostgreSQL at 127.0.0.1:5432 (dropped afterwards). Storage tests run against both.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openStore, type Store } from "@/lib/db/client";

export type StoreKind = "pglite" | "postgres";
export const STORE_KINDS: StoreKind[] = ["pglite", "postgres"];

const ADMIN_URL = process.env.ROTOR_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestStore extends Store {
  dataDir: string;
  /** Closes the store and removes what the test created. */
  destroy(): Promise<void>;
  /** A plain SQL connection (PostgreSQL only) for what the app would never do, like tampering. */
  databaseUrl?: string;
}

export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-store-"));
  if (kind === "pglite") {
    const store = await openStore({ dataDir });
    return {
      ...store,
      dataDir,
      async destroy() {
        await store.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `rotor_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const store = await openStore({ databaseUrl, dataDir });
  return {
    ...store,
    dataDir,
    databaseUrl,
    async destroy() {
      await store.close();
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
