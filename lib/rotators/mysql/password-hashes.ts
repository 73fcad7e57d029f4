/**
 * Pre-computed password hashes for MySQL and MariaDB accounts, so `ALTER USER` never carries the plaintext
 * (the server's general log and slow log record statements as sent):
 *
 *   mysql_native_password    `*` + uppercase hex of SHA1(SHA1(password))          (MariaDB and MySQL)
 *   caching_sha2_password    `$A$005$` + 20-character salt + SHA-256-crypt digest   (MySQL 8: 5 × 1000 rounds)
 *
 * The SHA-256-crypt digest is Ulrich Drepper's "Unix crypt using SHA-256" (what glibc's `$5$` and MySQL's
 * my_crypt_genhash compute), checked against `openssl passwd -5` in the tests.
 */
import { createHash, randomInt } from "node:crypto";

export function mysqlNativePasswordHash(password: string): string {
  const once = createHash("sha1").update(password, "utf8").digest();
  return `*${createHash("sha1").update(once).digest("hex").toUpperCase()}`;
}

const CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SALT_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** `length` bytes of `digest` repeated (the "P" and "S" sequences of the algorithm). */
function stretch(digest: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = digest[i % digest.length];
  return out;
}

/** The 43-character SHA-256-crypt digest of `key` with `salt` (used as given) after `rounds` rounds. */
export function sha256CryptDigest(key: Buffer, salt: Buffer, rounds: number): string {
  const b = sha256(key, salt, key);
  const a = createHash("sha256").update(key).update(salt).update(stretch(b, key.length));
  for (let n = key.length; n > 0; n >>= 1) a.update(n & 1 ? b : key);
  let c = a.digest();
  const p = stretch(sha256(...Array.from({ length: key.length }, () => key)), key.length);
  const s = stretch(sha256(...Array.from({ length: 16 + c[0] }, () => salt)), salt.length);
  for (let i = 0; i < rounds; i++) {
    const round = createHash("sha256");
    round.update(i & 1 ? p : c);
    if (i % 3) round.update(s);
    if (i % 7) round.update(p);
    round.update(i & 1 ? c : p);
    c = round.digest();
  }
  let out = "";
  const put = (b2: number, b1: number, b0: number, chars: number) => {
    let w = (b2 << 16) | (b1 << 8) | b0;
    for (let i = 0; i < chars; i++, w >>= 6) out += CRYPT_ALPHABET[w & 0x3f];
  };
  const order = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29]];
  for (const [x, y, z] of order) put(c[x], c[y], c[z], 4);
  put(0, c[31], c[30], 3);
  return out;
}

/** MySQL 8's stored form: `$A$` + rounds/1000 as three hex digits + `$` + salt + digest. */
export function cachingSha2PasswordHash(password: string, salt = randomSalt()): string {
  const ROUNDS = 5000;
  if (salt.length !== 20) throw new Error("caching_sha2_password salts have 20 characters");
  const count = (ROUNDS / 1000).toString(16).toUpperCase().padStart(3, "0");
  return `$A$${count}$${salt}${sha256CryptDigest(Buffer.from(password, "utf8"), Buffer.from(salt, "ascii"), ROUNDS)}`;
}

function randomSalt(): string {
  // Letters and digits only: the hash travels in a quoted SQL string, and MySQL's own salts avoid `$` and NUL.
  return Array.from({ length: 20 }, () => SALT_ALPHABET[randomInt(SALT_ALPHABET.length)]).join("");
}
