import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { openTestStore, type TestStore } from "@/test/support/stores";
import { loadKeyring } from "./keyring";
import { getSetting, putSetting } from "../db/queries/keys";
import { environments, environmentValues } from "../db/schema";

const key = () => randomBytes(32).toString("base64");
let store: TestStore | undefined;
afterEach(async () => {
  await store?.destroy();
  store = undefined;
});

describe("master key handling", () => {
  it("creates a 0600 key file on the first start of the embedded store and reuses it", async () => {
    store = await openTestStore("pglite");
    const config = { dataDir: store.dataDir, previousMasterKeys: [] };
    const first = await loadKeyring(store.db, config);
    const file = path.join(store.dataDir, "master.key");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = await loadKeyring(store.db, config);
    expect(second.current.id).toBe(first.current.id);
    expect(second.decrypt(first.encrypt("s3cret", "ctx"), "ctx")).toBe("s3cret");
  });

  it("refuses to start with a key that did not write the data, and changes nothing", async () => {
    store = await openTestStore("postgres");
    const original = key();
    await loadKeyring(store.db, { masterKey: original, previousMasterKeys: [], dataDir: store.dataDir });
    await expect(loadKeyring(store.db, { masterKey: key(), previousMasterKeys: [], dataDir: store.dataDir })).rejects.toThrow(
      /encrypted with master key .* which is not configured/,
    );
    // The original key still works: the failed start wrote nothing.
    await expect(loadKeyring(store.db, { masterKey: original, previousMasterKeys: [], dataDir: store.dataDir })).resolves.toBeTruthy();
  });

  it("rotates the master key: the old key is listed as previous once, then is no longer needed", async () => {
    store = await openTestStore("postgres");
    const oldKey = key();
    const newKey = key();
    const before = await loadKeyring(store.db, { masterKey: oldKey, previousMasterKeys: [], dataDir: store.dataDir });
    await putSetting({ db: store.db, key: "nested", value: { keys: [{ secret: before.encrypt("in settings", "s") }] } });
    await store.db.insert(environments).values({ id: "00000000-0000-4000-8000-000000000001", name: "e" });
    await store.db.insert(environmentValues).values({ environmentId: "00000000-0000-4000-8000-000000000001", key: "K", secret: true, valueCiphertext: before.encrypt("in a column", "v") });

    const after = await loadKeyring(store.db, { masterKey: newKey, previousMasterKeys: [oldKey], dataDir: store.dataDir });
    const [value] = await store.db.select().from(environmentValues);
    expect(value.valueCiphertext).toContain(`:${after.current.id}:`);
    const nested = (await getSetting<{ keys: { secret: string }[] }>({ db: store.db, key: "nested" }))!;
    // Without the old key from now on: everything was re-wrapped and the old key retired.
    const only = await loadKeyring(store.db, { masterKey: newKey, previousMasterKeys: [], dataDir: store.dataDir });
    expect(only.decrypt(value.valueCiphertext!, "v")).toBe("in a column");
    expect(only.decrypt(nested.keys[0].secret, "s")).toBe("in settings");
  });

  it("refuses a missing key file when the store already holds encrypted data", async () => {
    store = await openTestStore("pglite");
    await loadKeyring(store.db, { dataDir: store.dataDir, previousMasterKeys: [] });
    fs.rmSync(path.join(store.dataDir, "master.key"));
    await expect(loadKeyring(store.db, { dataDir: store.dataDir, previousMasterKeys: [] })).rejects.toThrow(/master.key is missing/);
    expect(fs.existsSync(path.join(store.dataDir, "master.key"))).toBe(false);
  });

  it("rejects a malformed key with how to make one", async () => {
    store = await openTestStore("pglite");
    await expect(loadKeyring(store.db, { masterKey: "not-a-key", previousMasterKeys: [], dataDir: store.dataDir })).rejects.toThrow(
      /openssl rand -base64 32/,
    );
  });
});
