import "server-only";
/**
 * The process's master keys and the only door to encrypting and decrypting secrets at rest.
 *
 * Where the key comes from: ROTOR_MASTER_KEY, or (embedded store only) `master.key` in the data directory,
 * created with mode 0600 on the very first start. Before serving, the keyring proves it can open the check
 * value stored for every key that ever wrote data here; if it cannot, Rotor refuses to start rather than
 * write new data under a key that cannot read the old.
 */
import fs from "node:fs";
import path from "node:path";
import { createHmac, randomBytes } from "node:crypto";
import { ConfigError, env, type Env } from "../env";
import { decrypt, encrypt, parseMasterKey, rewrap, type MasterKey } from "./envelope";
import type { Db } from "../db/client";
import { insertEncryptionKey, listEncryptionKeys } from "../db/queries/keys";
import { rewrapAllCiphertexts } from "../db/queries/rekey";
import { logError, logInfo } from "../log";
import { openAuditChainKey } from "../db/queries/audit";

const CHECK_PLAINTEXT = "rotor-master-key-check";
const CHECK_CONTEXT = "encryption_keys.check";

export interface Keyring {
  current: MasterKey;
  encrypt(plaintext: string, context: string): string;
  decrypt(ciphertext: string, context: string): string;
  /** A stable secret derived from the master key for a named purpose (e.g. session cookies). */
  derive(purpose: string): string;
}

export function createKeyring(current: MasterKey, previous: readonly MasterKey[] = []): Keyring {
  const all = [current, ...previous];
  return {
    current,
    encrypt: (plaintext, context) => encrypt(current, plaintext, context),
    decrypt: (ciphertext, context) => decrypt(all, ciphertext, context),
    derive: (purpose) => createHmac("sha256", current.key).update(`rotor:${purpose}`).digest("base64url"),
  };
}

function readOrCreateKeyFile(dataDir: string, storeIsNew: boolean): MasterKey {
  const file = path.join(dataDir, "master.key");
  if (fs.existsSync(file)) {
    const mode = fs.statSync(file).mode & 0o077;
    if (mode !== 0) fs.chmodSync(file, 0o600);
    return parseMasterKey(fs.readFileSync(file, "utf8"), file);
  }
  if (!storeIsNew) {
    throw new ConfigError(
      `Rotor cannot start: ${file} is missing but the store already holds encrypted data. Restore the key file or set ROTOR_MASTER_KEY to the key the data was written with.`,
    );
  }
  const key = randomBytes(32).toString("base64");
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  return parseMasterKey(key, file);
}

/** Loads the master keys and checks them against the store. Throws ConfigError with the fix to apply. */
export async function loadKeyring(
  db: Db,
  config: Pick<Env, "masterKey" | "previousMasterKeys" | "dataDir"> = env(),
): Promise<Keyring> {
  const known = await listEncryptionKeys({ db });
  const parse = (text: string, label: string) => {
    try {
      return parseMasterKey(text, label);
    } catch (error) {
      throw new ConfigError(`Rotor cannot start: ${(error as Error).message}`);
    }
  };
  const current = config.masterKey
    ? parse(config.masterKey, "ROTOR_MASTER_KEY")
    : readOrCreateKeyFile(config.dataDir, known.length === 0);
  const previous = config.previousMasterKeys.map((k, i) => parse(k, `ROTOR_MASTER_KEY_PREVIOUS[${i}]`));
  const available = [current, ...previous];

  for (const row of known) {
    const key = available.find((k) => k.id === row.id);
    if (!key) {
      if (row.retiredAt) continue;
      throw new ConfigError(
        `Rotor cannot start: the store's data is encrypted with master key ${row.id}, which is not configured ` +
          `(current key is ${current.id}). Set ROTOR_MASTER_KEY to that key, or put it in ROTOR_MASTER_KEY_PREVIOUS while rotating.`,
      );
    }
    try {
      decrypt([key], row.checkCiphertext, CHECK_CONTEXT);
    } catch {
      throw new ConfigError(`Rotor cannot start: master key ${row.id} does not open its check value; the key or the store is damaged.`);
    }
  }
  if (!known.some((row) => row.id === current.id)) {
    await insertEncryptionKey({ db, id: current.id, checkCiphertext: encrypt(current, CHECK_PLAINTEXT, CHECK_CONTEXT) });
  }
  if (previous.length > 0) {
    // Master key rotation: move every stored secret under the new key, after which the old one may go.
    const count = await rewrapAllCiphertexts({ db, currentKeyId: current.id, rewrap: (ciphertext) => rewrap(available, current, ciphertext) });
    if (count > 0) logInfo(`master key rotation: re-wrapped ${count} secrets under key ${current.id}; ROTOR_MASTER_KEY_PREVIOUS may now be removed`);
  }
  const keyring = createKeyring(current, previous);
  // The audit chain's key is opened here, with the keyring, so that no process appends to the store without it.
  const chain = await openAuditChainKey({ db, keyring });
  if (!chain.startAuthentic) logError(`audit: the record of where the keyed audit chain starts (event #${chain.keyedFromId}) was altered; Verify on the audit page reports it`);
  return keyring;
}

const globalKeyring = globalThis as unknown as { __rotorKeyring?: Promise<Keyring> };

export function getKeyring(db: Db): Promise<Keyring> {
  globalKeyring.__rotorKeyring ??= loadKeyring(db);
  globalKeyring.__rotorKeyring.catch(() => {
    globalKeyring.__rotorKeyring = undefined;
  });
  return globalKeyring.__rotorKeyring;
}
