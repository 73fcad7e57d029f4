import { describe, expect, it } from "vitest";
import { signatureHeader, verifySignature } from "./signature";

describe("webhook signatures", () => {
  const secret = "whsec_test";
  const body = JSON.stringify({ type: "rotation.failed", rotator: { name: "db" } });
  const now = 1_767_225_600_000;
  const header = signatureHeader({ secret, timestamp: now / 1000, body });

  it("verifies what was signed, and nothing else", () => {
    expect(header).toMatch(/^t=1767225600,v1=[0-9a-f]{64}$/);
    expect(verifySignature({ secret, header, body, now })).toBe(true);
    expect(verifySignature({ secret: "other", header, body, now })).toBe(false);
    expect(verifySignature({ secret, header, body: body.replace("db", "dc"), now })).toBe(false);
    expect(verifySignature({ secret, header: header.replace("t=1767225600", "t=1767225601"), body, now })).toBe(false);
    expect(verifySignature({ secret, header: undefined, body, now })).toBe(false);
  });

  it("refuses an old timestamp (replay)", () => {
    expect(verifySignature({ secret, header, body, now: now + 301_000 })).toBe(false);
    expect(verifySignature({ secret, header, body, now: now + 299_000 })).toBe(true);
  });
});
