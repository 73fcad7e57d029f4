/** The connector's request signing: what the handler accepts and refuses, and how answers are bound to requests. */
import { describe, expect, it } from "vitest";
import { createRequestVerifier, generateConnectorSecret, openAnswer, signAnswer, signRequest } from "./signing";

const secret = generateConnectorSecret();
const T0 = Date.parse("2026-03-01T12:00:00Z");

describe("connector request signing", () => {
  it("generates recognisable 256-bit secrets, different every time", () => {
    expect(secret).toMatch(/^rotor_cs_[A-Za-z0-9_-]{43}$/);
    expect(generateConnectorSecret()).not.toBe(secret);
  });

  it("accepts a fresh request signed with the secret, once", () => {
    const verifier = createRequestVerifier({ secrets: [secret], now: () => T0 + 1000 });
    const request = signRequest(secret, '{"op":"hello"}', T0);
    expect(verifier.verify(request)).toMatchObject({ ok: true, body: '{"op":"hello"}', nonce: request.nonce });
    expect(verifier.verify(request)).toMatchObject({ ok: false, refusal: { code: "replayed" } });
    // Same body, new nonce: a new request.
    expect(verifier.verify(signRequest(secret, '{"op":"hello"}', T0))).toMatchObject({ ok: true });
  });

  it("refuses a wrong secret, a tampered body, timestamp or nonce, and unsigned input", () => {
    const verifier = createRequestVerifier({ secrets: [secret], now: () => T0 });
    const good = signRequest(secret, '{"op":"hello"}', T0);
    expect(verifier.verify(signRequest(generateConnectorSecret(), good.body, T0))).toMatchObject({ ok: false, refusal: { code: "bad-signature" } });
    expect(verifier.verify({ ...good, body: '{"op":"ping"}' })).toMatchObject({ ok: false, refusal: { code: "bad-signature" } });
    expect(verifier.verify({ ...good, ts: T0 + 1 })).toMatchObject({ ok: false, refusal: { code: "bad-signature" } });
    const otherNonce = (good.nonce[0] === "A" ? "B" : "A") + good.nonce.slice(1);
    expect(verifier.verify({ ...good, nonce: otherNonce })).toMatchObject({ ok: false, refusal: { code: "bad-signature" } });
    for (const junk of [null, "x", {}, { v: 1, ts: T0, nonce: "short", body: "{}", sig: "x" }, { op: "hello" }]) {
      expect(verifier.verify(junk)).toMatchObject({ ok: false, refusal: { code: "malformed" } });
    }
  });

  it("refuses requests outside the replay window, in both directions", () => {
    const verifier = createRequestVerifier({ secrets: [secret], replayWindowSeconds: 60, now: () => T0 });
    expect(verifier.verify(signRequest(secret, "{}", T0 - 61_000))).toMatchObject({ ok: false, refusal: { code: "stale" } });
    expect(verifier.verify(signRequest(secret, "{}", T0 + 61_000))).toMatchObject({ ok: false, refusal: { code: "stale" } });
    expect(verifier.verify(signRequest(secret, "{}", T0 - 59_000))).toMatchObject({ ok: true });
  });

  it("accepts any of several secrets (while the secret is being changed) and refuses all without one", () => {
    const next = generateConnectorSecret();
    const verifier = createRequestVerifier({ secrets: [secret, next], now: () => T0 });
    expect(verifier.verify(signRequest(next, "{}", T0))).toMatchObject({ ok: true, secret: next });
    expect(verifier.verify(signRequest(secret, "{}", T0))).toMatchObject({ ok: true, secret });
    expect(createRequestVerifier({ secrets: [], now: () => T0 }).verify(signRequest(secret, "{}", T0))).toMatchObject({
      ok: false,
      refusal: { code: "not-configured" },
    });
  });

  it("binds the answer to the request's nonce and the secret", () => {
    const request = signRequest(secret, "{}", T0);
    const answer = signAnswer(secret, request.nonce, '{"ok":true}');
    expect(openAnswer(secret, request.nonce, answer)).toEqual({ ok: true, body: '{"ok":true}' });
    expect(openAnswer(secret, signRequest(secret, "{}", T0).nonce, answer)).toEqual({ ok: false });
    expect(openAnswer(generateConnectorSecret(), request.nonce, answer)).toEqual({ ok: false });
    expect(openAnswer(secret, request.nonce, { ...answer, body: '{"ok":false}' })).toEqual({ ok: false });
    expect(openAnswer(secret, request.nonce, { code: 200, message: "ok" })).toEqual({ ok: false });
    expect(openAnswer(secret, request.nonce, { v: 1, refused: { code: "stale", message: "too old" } })).toEqual({
      ok: false,
      refusal: { code: "stale", message: "too old" },
    });
  });
});
