import { describe, expect, it } from "vitest";
import { GENESIS_HASH, canonicalJson, computeAuditHash, verifyChainBatch, type ChainedFields } from "./audit-chain";

function event(id: number, details: unknown = {}): ChainedFields {
  return { id, at: new Date(1_700_000_000_000 + id), actorId: null, actorLabel: "a@example.com", action: "x", targetType: null, targetId: null, targetLabel: null, outcome: "success", ip: null, details };
}

function chain(n: number) {
  const rows = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = event(i, { n: i });
    const hash = computeAuditHash(prev, e);
    rows.push({ ...e, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

describe("audit hash chain", () => {
  it("canonical JSON ignores key order", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [1, { y: 1, x: 2 }] } })).toBe(canonicalJson({ a: { c: [1, { x: 2, y: 1 }], d: 2 }, b: 1 }));
  });

  it("verifies an intact chain", () => {
    expect(verifyChainBatch(chain(5), GENESIS_HASH)).toMatchObject({ ok: true });
  });

  it("reports the first edited row", () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], actorLabel: "mallory" };
    expect(verifyChainBatch(rows, GENESIS_HASH)).toMatchObject({ ok: false, firstBrokenId: 3 });
  });

  it("reports the row after a removed one", () => {
    const rows = chain(5);
    rows.splice(1, 1);
    expect(verifyChainBatch(rows, GENESIS_HASH)).toMatchObject({ ok: false, firstBrokenId: 3 });
  });
});
