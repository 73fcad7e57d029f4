import "server-only";
/**
 * The signing keys of Rotor's OIDC issuer (RS256, 2048-bit RSA): stored in the settings table with each
 * private key encrypted by the keyring (bound to its key id), and rotated with overlap:
 *
 *   next      generated one whole rotation period before it signs anything, and published in the JWKS from
 *             the start, so every verifier that caches the JWKS already knows it when it becomes current;
 *   current   the one key that signs (exactly one);
 *   retired   the previous current, still published until every token it signed has expired, then deleted.
 *
 * Rotation happens lazily when a token is about to be signed (or on demand from the Logins page), inside a
 * transaction holding an advisory lock, so several Rotor processes sharing one PostgreSQL rotate once. Reading
 * the JWKS never writes: the public endpoint cannot be used to make Rotor generate keys.
 */
import { exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint, type JWK } from "jose";
import type { AppContext } from "../app-context";
import { getSetting, putSetting } from "../db/queries/keys";
import { lockIssuerKeys } from "../db/queries/login-providers";

export const ISSUER_KEYS_SETTING = "aws-login.issuer-keys";
export const SIGNING_ALG = "RS256";

export interface StoredIssuerKey {
  kid: string;
  alg: typeof SIGNING_ALG;
  createdAt: string;
  /** When it became current; null while it is the next key. */
  activatedAt: string | null;
  /** When it stopped being current; it stays published until `retiredAt + grace`. */
  retiredAt: string | null;
  publicJwk: JWK;
  /** The private JWK, encrypted with the keyring (context `issuerKeyContext(kid)`). */
  privateKeyCiphertext: string;
}

interface StoredIssuerKeys {
  keys: StoredIssuerKey[];
}

export interface IssuerKeyPolicy {
  rotationDays: number;
  /** How long a retired key stays in the JWKS: at least the lifetime of the tokens it signed. */
  tokenTtlSeconds: number;
  now?: () => Date;
}

export const issuerKeyContext = (kid: string) => `settings:${ISSUER_KEYS_SETTING}:${kid}`;

/** Retired keys stay published this much longer than the token lifetime (verifier clock skew, caches). */
const RETIRED_MARGIN_MS = 10 * 60_000;

export interface IssuerKeySet {
  current: StoredIssuerKey;
  next: StoredIssuerKey;
  retired: StoredIssuerKey[];
}

async function newKey(app: AppContext, at: Date, activated: boolean): Promise<StoredIssuerKey> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { modulusLength: 2048, extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg: SIGNING_ALG,
    createdAt: at.toISOString(),
    activatedAt: activated ? at.toISOString() : null,
    retiredAt: null,
    publicJwk: { kty: publicJwk.kty, n: publicJwk.n, e: publicJwk.e, kid, alg: SIGNING_ALG, use: "sig" },
    privateKeyCiphertext: app.keyring.encrypt(JSON.stringify(privateJwk), issuerKeyContext(kid)),
  };
}

function classify(keys: StoredIssuerKey[]): { current?: StoredIssuerKey; next?: StoredIssuerKey; retired: StoredIssuerKey[] } {
  return {
    current: keys.find((k) => k.activatedAt && !k.retiredAt),
    next: keys.find((k) => !k.activatedAt),
    retired: keys.filter((k) => k.retiredAt),
  };
}

function retiredUntil(key: StoredIssuerKey, policy: IssuerKeyPolicy): number {
  return Date.parse(key.retiredAt!) + policy.tokenTtlSeconds * 1000 + RETIRED_MARGIN_MS;
}

/**
 * The key set after applying the rotation schedule (creating the first keys, promoting next → current when the
 * current is older than the rotation period, dropping retired keys nobody can need). `force` rotates now.
 */
export async function ensureIssuerKeys(app: AppContext, policy: IssuerKeyPolicy, options: { force?: boolean } = {}): Promise<IssuerKeySet & { rotated: boolean }> {
  const now = policy.now?.() ?? new Date();
  return app.db.transaction(async (tx) => {
    await lockIssuerKeys({ tx });
    const stored = (await getSetting<StoredIssuerKeys>({ db: tx, key: ISSUER_KEYS_SETTING })) ?? { keys: [] };
    let keys = [...stored.keys];
    let changed = false;
    let rotated = false;
    let { current, next } = classify(keys);

    if (!current) {
      // First use (or a damaged set): a current key now, and the next one published alongside.
      current = next ? { ...next, activatedAt: now.toISOString() } : await newKey(app, now, true);
      keys = [...keys.filter((k) => k.kid !== current!.kid), current];
      next = undefined;
      changed = true;
    } else if (options.force || Date.parse(current.activatedAt!) + policy.rotationDays * 86_400_000 <= now.getTime()) {
      const promoted: StoredIssuerKey = next ? { ...next, activatedAt: now.toISOString() } : await newKey(app, now, true);
      keys = keys.map((k) => (k.kid === current!.kid ? { ...k, retiredAt: now.toISOString() } : k.kid === promoted.kid ? promoted : k));
      if (!keys.some((k) => k.kid === promoted.kid)) keys.push(promoted);
      current = promoted;
      next = undefined;
      changed = rotated = true;
    }
    if (!next) {
      next = await newKey(app, now, false);
      keys.push(next);
      changed = true;
    }
    const kept = keys.filter((k) => !k.retiredAt || retiredUntil(k, policy) > now.getTime());
    if (kept.length !== keys.length) changed = true;
    if (changed) await putSetting({ db: tx, key: ISSUER_KEYS_SETTING, value: { keys: kept } satisfies StoredIssuerKeys });
    return { current, next, retired: classify(kept).retired, rotated };
  });
}

/** The JWKS as published: current, next and retired keys still within their grace. Read-only. */
export async function publishedKeys(app: Pick<AppContext, "db">, policy: IssuerKeyPolicy): Promise<JWK[]> {
  const now = (policy.now?.() ?? new Date()).getTime();
  const stored = (await getSetting<StoredIssuerKeys>({ db: app.db, key: ISSUER_KEYS_SETTING })) ?? { keys: [] };
  return stored.keys.filter((k) => !k.retiredAt || retiredUntil(k, policy) > now).map((k) => k.publicJwk);
}

/** Read-only view for the Logins page (no key material). */
export async function describeIssuerKeys(app: Pick<AppContext, "db">, policy: IssuerKeyPolicy) {
  const stored = (await getSetting<StoredIssuerKeys>({ db: app.db, key: ISSUER_KEYS_SETTING })) ?? { keys: [] };
  const { current, next, retired } = classify(stored.keys);
  const summary = (k?: StoredIssuerKey) => (k ? { kid: k.kid, createdAt: k.createdAt, activatedAt: k.activatedAt, retiredAt: k.retiredAt } : null);
  return {
    current: summary(current),
    next: summary(next),
    retired: retired.map(summary),
    nextRotationAt: current?.activatedAt ? new Date(Date.parse(current.activatedAt) + policy.rotationDays * 86_400_000).toISOString() : null,
  };
}

// Imported private keys, per kid: decrypting and importing on every token would cost more than signing.
const imported = new Map<string, Promise<CryptoKey | Uint8Array>>();

export function signingKeyOf(app: AppContext, key: StoredIssuerKey): Promise<CryptoKey | Uint8Array> {
  let pending = imported.get(key.kid);
  if (!pending) {
    pending = importJWK(JSON.parse(app.keyring.decrypt(key.privateKeyCiphertext, issuerKeyContext(key.kid))) as JWK, SIGNING_ALG);
    pending.catch(() => imported.delete(key.kid));
    imported.set(key.kid, pending);
  }
  return pending;
}
