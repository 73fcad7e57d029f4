/** A real store + keyring for service tests (what getAppContext gives the app, without env or globals). */
import { randomBytes } from "node:crypto";
import { loadKeyring } from "@/lib/crypto/keyring";
import type { AppContext, Actor } from "@/lib/app-context";
import { openTestStore, type StoreKind, type TestStore } from "./stores";

export interface TestApp extends AppContext {
  store: TestStore;
  destroy(): Promise<void>;
}

export async function openTestApp(kind: StoreKind = "pglite"): Promise<TestApp> {
  const store = await openTestStore(kind);
  const keyring = await loadKeyring(store.db, { masterKey: randomBytes(32).toString("base64"), previousMasterKeys: [], dataDir: store.dataDir });
  return { db: store.db, keyring, store, destroy: () => store.destroy() };
}

export const TEST_ACTOR: Actor = { id: null, label: "tester@example.com", ip: "127.0.0.1" };
