/**
 * AES-256-GCM envelope encryption. Each secret gets its own random data key; the data key is wrapped by the
 * master key. The ciphertext names the master key's id so that data written under an older master key can
 * still be read (and re-wrapped) after the master key is rotated.
 *
 * Format (one string, safe for a text column):
 *   rotor:v1:<keyId>:<wrapped data key: iv|ciphertext|tag, base64url>:<iv|ciphertext|tag, base64url>
 *
 * `context` is bound to the secret as additional authenticated data, so a ciphertext copied from one row to
 * another (e.g. swapping two rotators' states) fails to decrypt instead of silently revealing the wrong
 * secret. The wrapped data key is bound only to the master key id, so rotating the master key re-wraps data
 * keys (`rewrap`) without having to know what each ciphertext is for.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const PREFIX = "rotor:v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface MasterKey {
  id: string;
  key: Buffer;
}

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

/** Parses a 32-byte key given as base64 (44 chars) or hex (64 chars). */
export function parseMasterKey(text: string, label = "ROTOR_MASTER_KEY"): MasterKey {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (!key || key.length !== 32) {
    throw new Error(`${label} must be 32 random bytes, base64 (44 characters) or hex (64 characters). Generate one with: openssl rand -base64 32`);
  }
  return { id: masterKeyId(key), key };
}

/** A short public fingerprint of a master key; never reveals the key. */
export function masterKeyId(key: Buffer): string {
  return createHash("sha256").update("rotor-master-key-id").update(key).digest("hex").slice(0, 16);
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new DecryptionError("ciphertext is truncated");
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new DecryptionError("ciphertext failed authentication (wrong key, wrong context or tampered data)");
  }
}

export function encrypt(master: MasterKey, plaintext: string, context: string): string {
  const dataKey = randomBytes(32);
  const aad = Buffer.from(context, "utf8");
  const wrapped = seal(master.key, dataKey, dataKeyAad(master.id));
  const body = seal(dataKey, Buffer.from(plaintext, "utf8"), aad);
  dataKey.fill(0);
  return [PREFIX, master.id, wrapped.toString("base64url"), body.toString("base64url")].join(":");
}

export function ciphertextKeyId(ciphertext: string): string {
  const parts = ciphertext.split(":");
  if (parts.length !== 5 || `${parts[0]}:${parts[1]}` !== PREFIX) throw new DecryptionError("not a Rotor ciphertext");
  return parts[2];
}

export function decrypt(keys: readonly MasterKey[], ciphertext: string, context: string): string {
  const keyId = ciphertextKeyId(ciphertext);
  const [, , , wrapped, body] = ciphertext.split(":");
  const master = keys.find((k) => k.id === keyId);
  if (!master) throw new DecryptionError(`no master key with id ${keyId} is configured`);
  const dataKey = open(master.key, Buffer.from(wrapped, "base64url"), dataKeyAad(keyId));
  try {
    return open(dataKey, Buffer.from(body, "base64url"), Buffer.from(context, "utf8")).toString("utf8");
  } finally {
    dataKey.fill(0);
  }
}

const dataKeyAad = (keyId: string) => Buffer.from(`rotor-data-key|${keyId}`, "utf8");

/** Re-wraps a ciphertext's data key under `target` (master key rotation). The secret itself is untouched. */
export function rewrap(keys: readonly MasterKey[], target: MasterKey, ciphertext: string): string {
  const keyId = ciphertextKeyId(ciphertext);
  if (keyId === target.id) return ciphertext;
  const [, , , wrapped, body] = ciphertext.split(":");
  const master = keys.find((k) => k.id === keyId);
  if (!master) throw new DecryptionError(`no master key with id ${keyId} is configured`);
  const dataKey = open(master.key, Buffer.from(wrapped, "base64url"), dataKeyAad(keyId));
  try {
    return [PREFIX, target.id, seal(target.key, dataKey, dataKeyAad(target.id)).toString("base64url"), body].join(":");
  } finally {
    dataKey.fill(0);
  }
}
