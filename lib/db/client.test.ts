/** Bad storage configuration stops Rotor with a message that says what to fix, and writes nothing. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { createPgliteDataDir, openStore, type Store } from "./client";

async function rows<T>(store: Store, query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await store.db.execute(query)) as unknown as { rows: T[] }).rows;
}

const MIGRATIONS_FOLDER = path.join(process.cwd(), "drizzle");

/** What the migrations made, and drizzle's record of them: two stores migrated alike give equal results. */
async function catalog(client: PGlite) {
  const queries = {
    migrations: "select id, hash, created_at from drizzle.__drizzle_migrations order by id",
    columns:
      "select table_name, column_name, data_type, column_default, is_nullable from information_schema.columns where table_schema = 'public' order by 1, 2",
    indexes: "select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1",
    constraints: "select conname, pg_get_constraintdef(oid) as def from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2",
    triggers: "select tgname, pg_get_triggerdef(oid) as def from pg_trigger where not tgisinternal order by 1",
    functions: "select proname, prosrc from pg_proc where pronamespace = 'public'::regnamespace order by 1",
  };
  const out: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(queries)) out[name] = (await client.query(query)).rows;
  return out;
}

describe("opening the store", () => {
  it("explains an unreachable DATABASE_URL without echoing its password", async () => {
    const attempt = openStore({ databaseUrl: "postgres://rotor:Sekr3t-Pw@127.0.0.1:1/rotor", dataDir: os.tmpdir() });
    await expect(attempt).rejects.toThrow(/cannot connect to the database in DATABASE_URL/);
    await expect(attempt).rejects.not.toThrow(/Sekr3t-Pw/);
  });

  it("explains an unwritable data directory", async () => {
    await expect(openStore({ dataDir: "/dev/null/rotor-data" })).rejects.toThrow(/data directory \/dev\/null\/rotor-data is not writable .*ROTOR_DATA_DIR/);
  });

  it("refuses a data directory another live process holds", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-lock-"));
    fs.writeFileSync(path.join(dir, "rotor.lock"), "1"); // pid 1 is always alive
    await expect(openStore({ dataDir: dir })).rejects.toThrow(/in use by another Rotor process \(pid 1\)/);
    expect(fs.readdirSync(dir)).toEqual(["rotor.lock"]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("creates the embedded store of a new data directory, small shared buffers, and reopens it with its data", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-pglite-"));
    try {
      const first = await openStore({ dataDir: dir });
      expect(await rows(first, sql`show shared_buffers`)).toEqual([{ shared_buffers: "16MB" }]);
      await first.db.execute(sql`insert into settings (key, value) values ('client-test', '"kept"'::jsonb)`);
      await first.close();
      // The store was made under a temporary name and renamed into place: nothing else is left.
      expect(fs.readdirSync(dir).sort()).toEqual(["pglite"]);

      const again = await openStore({ dataDir: dir });
      expect(await rows(again, sql`select value from settings where key = 'client-test'`)).toEqual([{ value: "kept" }]);
      expect(await rows(again, sql`show shared_buffers`)).toEqual([{ shared_buffers: "16MB" }]);
      await again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("creates a new embedded store migrated as drizzle's migrator does, so drizzle's migrate() then has nothing to do", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-pglite-"));
    const reference = new PGlite();
    let made: PGlite | undefined;
    try {
      await createPgliteDataDir(path.join(dir, "pglite"), PGlite.defaultStartParams, MIGRATIONS_FOLDER);
      await migrate(drizzle(reference), { migrationsFolder: MIGRATIONS_FOLDER });
      const expected = await catalog(reference);
      const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as { entries: unknown[] };
      expect(expected.migrations).toHaveLength(journal.entries.length);

      made = new PGlite(path.join(dir, "pglite"));
      expect(await catalog(made)).toEqual(expected);
      // What the server does at open: nothing is applied or recorded again.
      await migrate(drizzle(made), { migrationsFolder: MIGRATIONS_FOLDER });
      expect(await catalog(made)).toEqual(expected);
    } finally {
      await made?.close();
      await reference.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("refuses to replace a data directory's pglite folder that holds something else", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-pglite-"));
    try {
      fs.mkdirSync(path.join(dir, "pglite"));
      fs.writeFileSync(path.join(dir, "pglite", "notes.txt"), "mine");
      await expect(openStore({ dataDir: dir })).rejects.toThrow(/pglite is not an embedded store \(no PG_VERSION\) and not empty/);
      expect(fs.readdirSync(path.join(dir, "pglite"))).toEqual(["notes.txt"]);
      // The lock was released: the directory holds only what was there.
      expect(fs.readdirSync(dir)).toEqual(["pglite"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
