/**
 * SCRAM-SHA-256 verifiers as PostgreSQL stores them (RFC 5802 / RFC 7677; PostgreSQL's
 * `pg_fe_scram_build_secret`). Sending `ALTER ROLE … PASSWORD '<verifier>'` lets PostgreSQL store the secret
 * as-is, so the plaintext never reaches the server, its statement log or pg_stat_statements. The verifier does
 * not let anyone log in as the client (that needs ClientKey, which it does not contain).
 */
import { createHash, createHmac, pbkdf2, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { RotatorError } from "../errors";

/** PostgreSQL's defaults (scram_iterations, SCRAM_DEFAULT_SALT_LEN). */
export const SCRAM_ITERATIONS = 4096;
export const SCRAM_SALT_BYTES = 16;

/**
 * SASLprep (RFC 4013) as far as it changes the bytes: map non-ASCII spaces to space, drop characters
 * "commonly mapped to nothing", NFKC. libpq, node-pg and the server all hash the prepared form, so the
 * verifier must too. PostgreSQL falls back to the raw bytes when a password contains characters SASLprep
 * prohibits; rather than re-implement those tables, such passwords are refused (Rotor generates ASCII).
 */
export function saslPrep(password: string): string {
  // Printable ASCII and ASCII controls pass through SASLprep unchanged (controls make PostgreSQL use the raw
  // bytes, which are the same bytes).
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  const mapped = password
    .replace(/[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/g, " ")
    .replace(/[\u00ad\u034f\u1806\u180b-\u180d\u200c\u200d\u2060\ufe00-\ufe0f\ufeff]/g, "")
    .normalize("NFKC");
  // Controls, format, private-use, surrogates, unassigned; and right-to-left scripts, whose bidi rules
  // PostgreSQL enforces: for these the server and the clients may hash different bytes.
  if (/[\p{C}]|[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u.test(mapped)) {
    throw new RotatorError(
      "input:invalid",
      "The new password contains control, private-use, unassigned or right-to-left characters, which PostgreSQL " +
        "hashes inconsistently; use a password of printable characters.",
    );
  }
  return mapped;
}

const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text, "utf8").digest();

export interface ScramOptions {
  /** Fixed salt for tests; random otherwise. */
  salt?: Buffer;
  iterations?: number;
}

const pbkdf2Async = promisify(pbkdf2);

/**
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64 parts). The 4,096 PBKDF2 rounds (~3 ms)
 * run on libuv's thread pool, not on the event loop: other runs in the same process (a drain at concurrency N)
 * and the requests it serves are not held up while a password is hashed.
 */
export async function buildScramSha256Verifier(password: string, options: ScramOptions = {}): Promise<string> {
  const prepared = saslPrep(password);
  const salt = options.salt ?? randomBytes(SCRAM_SALT_BYTES);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  const salted = await pbkdf2Async(Buffer.from(prepared, "utf8"), salt, iterations, 32, "sha256");
  const storedKey = createHash("sha256").update(hmac(salted, "Client Key")).digest();
  const serverKey = hmac(salted, "Server Key");
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
