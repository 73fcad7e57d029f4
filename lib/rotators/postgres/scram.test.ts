import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isRotatorError } from "../errors";
import { buildScramSha256Verifier, saslPrep } from "./scram";

const b64 = (s: string) => Buffer.from(s, "base64");
const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();

/** Server-side SCRAM check (RFC 5802 §3): recover ClientKey from the proof and compare its hash to StoredKey. */
function serverAccepts(verifier: string, authMessage: string, clientProof: Buffer): { ok: boolean; serverSignature: string } {
  const keys = verifier.slice(verifier.lastIndexOf("$") + 1);
  const [storedKey, serverKey] = keys.split(":").map(b64) as [Buffer, Buffer];
  const clientSignature = hmac(storedKey, authMessage);
  const clientKey = Buffer.from(clientProof.map((byte, i) => byte ^ clientSignature[i]!));
  const ok = createHash("sha256").update(clientKey).digest().equals(storedKey);
  return { ok, serverSignature: hmac(serverKey, authMessage).toString("base64") };
}

describe("buildScramSha256Verifier", () => {
  // RFC 7677 §3 example exchange: user "user", password "pencil".
  const salt = b64("W22ZaJ0SNY7soEsUEjb6gQ==");
  const clientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
  const serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  const clientFinalWithoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
  const proof = b64("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");

  it("matches the RFC 7677 test vector", async () => {
    const verifier = await buildScramSha256Verifier("pencil", { salt });
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    const result = serverAccepts(verifier, authMessage, proof);
    expect(result.ok).toBe(true);
    expect(result.serverSignature).toBe("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    expect(serverAccepts(await buildScramSha256Verifier("pencil2", { salt }), authMessage, proof).ok).toBe(false);
  });

  it("uses a fresh 16-byte salt each time and never contains the password", async () => {
    const a = await buildScramSha256Verifier("correct horse battery staple");
    const b = await buildScramSha256Verifier("correct horse battery staple");
    expect(a).not.toBe(b);
    expect(b64(a.split("$")[1]!.split(":")[1]!)).toHaveLength(16);
    expect(a).not.toContain("correct horse");
  });

  it("hashes off the event loop: timers keep firing while a verifier is built", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      // ~250x PostgreSQL's rounds, so the hash takes long enough for several timer turns.
      await buildScramSha256Verifier("correct horse battery staple", { iterations: 1_000_000 });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it("prepares non-ASCII passwords like SASLprep", () => {
    expect(saslPrep("plain-ASCII_pw")).toBe("plain-ASCII_pw");
    expect(saslPrep("a\u00a0b")).toBe("a b");
    expect(saslPrep("so\u00adft")).toBe("soft");
    expect(saslPrep("ｆｕｌｌ")).toBe("full");
    expect(saslPrep("e\u0301")).toBe("\u00e9");
  });

  it("refuses passwords PostgreSQL would hash inconsistently", async () => {
    for (const bad of ["é\u0007", "é\ue000", "שלום"]) {
      const error: unknown = await buildScramSha256Verifier(bad).catch((e: unknown) => e);
      expect(isRotatorError(error) && error.code).toBe("input:invalid");
      expect((error as Error).message).not.toContain(bad);
    }
  });
});
