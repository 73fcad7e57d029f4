import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ciphertextKeyId, decrypt, encrypt, parseMasterKey, rewrap } from "./envelope";

const keyA = parseMasterKey(randomBytes(32).toString("base64"));
const keyB = parseMasterKey(randomBytes(32).toString("hex"));

describe("envelope encryption", () => {
  it("round-trips and never contains the plaintext", () => {
    const secret = "p@ss'word\"; DROP TABLE users; --";
    const ciphertext = encrypt(keyA, secret, "rotator:1:state");
    expect(ciphertext).not.toContain(secret);
    expect(Buffer.from(ciphertext).toString("base64")).not.toContain(Buffer.from(secret).toString("base64"));
    expect(decrypt([keyA], ciphertext, "rotator:1:state")).toBe(secret);
  });

  it("uses a fresh data key and IV each time", () => {
    expect(encrypt(keyA, "same", "c")).not.toBe(encrypt(keyA, "same", "c"));
  });

  it("refuses a ciphertext moved to another context (row)", () => {
    const ciphertext = encrypt(keyA, "secret", "rotator:1:state");
    expect(() => decrypt([keyA], ciphertext, "rotator:2:state")).toThrow(/failed authentication/);
  });

  it("refuses a tampered ciphertext", () => {
    const ciphertext = encrypt(keyA, "secret", "c");
    const parts = ciphertext.split(":");
    const body = Buffer.from(parts[4], "base64url");
    body[body.length - 20] ^= 1;
    parts[4] = body.toString("base64url");
    expect(() => decrypt([keyA], parts.join(":"), "c")).toThrow(/failed authentication/);
  });

  it("names the key id, reads with a previous key, and re-wraps under the new key without knowing the context", () => {
    const old = encrypt(keyA, "secret", "c");
    expect(ciphertextKeyId(old)).toBe(keyA.id);
    expect(() => decrypt([keyB], old, "c")).toThrow(/no master key with id/);
    const moved = rewrap([keyB, keyA], keyB, old);
    expect(ciphertextKeyId(moved)).toBe(keyB.id);
    expect(decrypt([keyB], moved, "c")).toBe("secret");
    // Still bound to its context after the re-wrap.
    expect(() => decrypt([keyB], moved, "other")).toThrow(/failed authentication/);
  });

  it("rejects malformed master keys with the fix in the message", () => {
    expect(() => parseMasterKey("short")).toThrow(/openssl rand -base64 32/);
    expect(() => parseMasterKey(randomBytes(16).toString("base64"))).toThrow(/32 random bytes/);
  });
});
