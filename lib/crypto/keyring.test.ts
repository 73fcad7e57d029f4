import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { openTestStore, type TestStore } from "@/test/support/stores";
import { loadKeyring } from "./keyring";

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

  it("accepts a new key while the old one is listed as previous", async () => {
    store = await openTestStore("pglite");
    const oldKey = key();
    const before = await loadKeyring(store.db, { masterKey: oldKey, previousMasterKeys: [], dataDir: store.dataDir });
    const ciphertext = before.encrypt("value", "ctx");
    const after = await loadKeyring(store.db, { masterKey: key(), previousMasterKeys: [oldKey], dataDir: store.dataDir });
    expect(after.decrypt(ciphertext, "ctx")).toBe("value");
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
