/**
 * Hashing of local users' sign-in passwords with scrypt (memory-hard, salted). Stored as
 * `scrypt$N$r$p$<salt b64>$<hash b64>` so the cost can be raised later without breaking old hashes.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { env } from "../env";
import { HashGate } from "./hash-gate";

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_BYTES = 64;

/** Callers beyond the running hashes that may wait for one, per allowed hash. */
const WAITING_PER_SLOT = 8;

let processGate: HashGate | undefined;
/** Every password hash this process computes goes through one gate (ROTOR_SIGNIN_HASH_CONCURRENCY). */
export function passwordHashGate(): HashGate {
  const concurrency = env().signIn.hashConcurrency;
  processGate ??= new HashGate({ concurrency, maxWaiting: concurrency * WAITING_PER_SLOT });
  return processGate;
}

function scrypt(password: string, salt: Buffer, options: ScryptOptions, gate: HashGate): Promise<Buffer> {
  return gate.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scryptCallback(password.normalize("NFKC"), salt, KEY_BYTES, { ...options, maxmem: 128 * N * R * 2 }, (err, key) =>
          err ? reject(err) : resolve(key),
        ),
      ),
  );
}

export async function hashPassword(password: string, gate: HashGate = passwordHashGate()): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, { N, r: R, p: P }, gate);
  return ["scrypt", N, R, P, salt.toString("base64"), hash.toString("base64")].join("$");
}

/** Throws HashGateBusyError when too many hashes are already running and waiting. */
export async function verifyPassword(password: string, stored: string, gate: HashGate = passwordHashGate()): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await scrypt(password, Buffer.from(salt, "base64"), { N: Number(n), r: Number(r), p: Number(p) }, gate);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash of nothing, so that sign-in with an unknown email (or a single-sign-on account) computes the same
 * scrypt, with the same parameters and through the same gate, as a wrong password does. Made once, outside
 * the gate, so the first unknown email does not cost two hashes.
 */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString("hex"), new HashGate({ concurrency: 1, maxWaiting: Infinity }));
  return dummyHash;
}
