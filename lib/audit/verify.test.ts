/**
 * Tampering with the audit log that the unkeyed chain let through: deleting the newest events, and rewriting an
 * event with every later hash recomputed by the public hash function. Against a real store.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { createLocalJWKSet, jwtVerify } from "jose";
import { openTestStore, type TestStore } from "@/test/support/stores";
import { loadKeyring } from "../crypto/keyring";
import type { AppContext } from "../app-context";
import { listAuditEvents, readAuditHead, recordAuditEvent, rowsOf } from "../db/queries/audit";
import { insertWebhook } from "../db/queries/webhooks";
import { putSetting, getSetting } from "../db/queries/keys";
import { AUDIT_CHAIN_SETTING, computeAuditHash, type ChainedFields } from "../db/audit-chain";
import { CHECKPOINT_JWT_TYPE, checkpointIfDue, currentCheckpoint, takeCheckpoint } from "./checkpoint";
import { verifyAudit } from "./verify";
import { jwks } from "../aws-logins/issuer";
import { collectNotifications } from "../webhooks/notifier";
import { issuerSettings } from "../aws-logins/service";
import { callApi, serviceToken } from "@/test/support/api-client";
import { auditCheckpointRoute } from "../api/routes/audit";

let store: TestStore;
let app: AppContext;
const masterKey = randomBytes(32).toString("base64");

const record = (i: number) => recordAuditEvent({ db: store.db, event: { actorLabel: `user${i}@example.com`, action: "test.event", details: { i } } });

beforeAll(async () => {
  store = await openTestStore("pglite");
  // Events written before Rotor keyed the chain (no keyring has opened this store yet): unkeyed hashes.
  for (let i = 1; i <= 3; i++) await record(i);
  const keyring = await loadKeyring(store.db, { masterKey, previousMasterKeys: [], dataDir: store.dataDir });
  app = { db: store.db, keyring };
  for (let i = 4; i <= 8; i++) await record(i);
});
afterAll(async () => store?.destroy());

async function tamper(statement: ReturnType<typeof sql>) {
  await store.db.execute(sql`alter table audit_events disable trigger audit_events_no_update`);
  try {
    await store.db.execute(statement);
  } finally {
    await store.db.execute(sql`alter table audit_events enable trigger audit_events_no_update`);
  }
}

async function rowsFrom(id: number) {
  return rowsOf<ChainedFields & { prevHash: string; hash: string }>(
    await store.db.execute(sql`select id, at, actor_id as "actorId", actor_label as "actorLabel", action, target_type as "targetType", target_id as "targetId",
      target_label as "targetLabel", outcome, ip, details, prev_hash as "prevHash", hash from audit_events where id >= ${id} order by id`),
  ).map((r) => ({ ...r, id: Number(r.id), at: new Date(r.at) }));
}

describe("the keyed audit chain", () => {
  it("verifies old unkeyed rows and new keyed ones, and says where the keyed chain starts", async () => {
    const result = await verifyAudit({ db: store.db });
    expect(result).toMatchObject({ ok: true, checked: 8, keyedFromId: 4 });
    expect(result.message).toBe("The audit chain is intact (8 events checked; keyed from event #4; no checkpoint yet).");
    // Reopening the store (a restart) keeps the switch point and the key.
    await loadKeyring(store.db, { masterKey, previousMasterKeys: [], dataDir: store.dataDir });
    await record(9);
    expect(await verifyAudit({ db: store.db })).toMatchObject({ ok: true, checked: 9, keyedFromId: 4 });
  });

  it("keeps the chain key in the store only encrypted", async () => {
    const stored = await getSetting<Record<string, unknown>>({ db: store.db, key: AUDIT_CHAIN_SETTING });
    expect(stored?.keyCiphertext).toMatch(/^rotor:v1:/);
    expect(JSON.stringify(stored)).not.toContain(app.keyring.derive("audit-chain"));
  });

  it("reports a row rewritten with every later hash recomputed by the unkeyed function", async () => {
    const rows = await rowsFrom(5);
    let prev = rows[0].prevHash;
    const forged = rows.map((row, i) => {
      const changed = i === 0 ? { ...row, details: { i: 5, note: "nothing happened" } } : { ...row };
      const hash = computeAuditHash(prev, changed);
      const out = { ...changed, prevHash: prev, hash };
      prev = hash;
      return out;
    });
    for (const row of forged) {
      await tamper(sql`update audit_events set details = ${JSON.stringify(row.details)}::jsonb, prev_hash = ${row.prevHash}, hash = ${row.hash} where id = ${row.id}`);
    }
    const result = await verifyAudit({ db: store.db });
    expect(result).toMatchObject({ ok: false, firstBrokenId: 5 });
    expect(result.message).toContain("recomputed without the chain key");
    for (const row of rows) {
      await tamper(sql`update audit_events set details = ${JSON.stringify(row.details)}::jsonb, prev_hash = ${row.prevHash}, hash = ${row.hash} where id = ${row.id}`);
    }
    expect(await verifyAudit({ db: store.db })).toMatchObject({ ok: true });
  });

  it("reports a switch point moved to pass rewritten rows off as unkeyed ones", async () => {
    const stored = (await getSetting<{ keyedFromId: number }>({ db: store.db, key: AUDIT_CHAIN_SETTING }))!;
    await putSetting({ db: store.db, key: AUDIT_CHAIN_SETTING, value: { ...stored, keyedFromId: 1000 } });
    expect((await verifyAudit({ db: store.db })).message).toMatch(/where the keyed chain starts .* was altered/);
    await putSetting({ db: store.db, key: AUDIT_CHAIN_SETTING, value: stored });
    expect(await verifyAudit({ db: store.db })).toMatchObject({ ok: true });
  });
});

describe("checkpoints", () => {
  it("signs the head with the issuer key, verifiable with the published JWKS", async () => {
    const checkpoint = await takeCheckpoint(app);
    expect(checkpoint).toMatchObject({ lastId: 9, count: 9 });
    const { policy } = issuerSettings();
    const { payload, protectedHeader } = await jwtVerify(checkpoint.jwt, createLocalJWKSet(await jwks(app, policy)), { typ: CHECKPOINT_JWT_TYPE });
    expect(protectedHeader.kid).toBe(checkpoint.kid);
    expect(payload.rotor_audit).toEqual({ lastId: 9, head: checkpoint.head, count: 9, at: checkpoint.at });
    expect(payload.aud).toBeUndefined();
    // Nothing new: the API route answers with the same checkpoint.
    expect((await currentCheckpoint(app)).jwt).toBe(checkpoint.jwt);
    const result = await verifyAudit({ db: store.db });
    expect(result.message).toBe(`The audit chain is intact (9 events checked; keyed from event #4; it matches the checkpoint of ${checkpoint.at} (9 events)).`);
  });

  it("publishes at each N events, to webhooks subscribed to audit.checkpoint", async () => {
    const webhook = await insertWebhook({
      db: store.db,
      webhook: {
        name: "audit monitor",
        urlCiphertext: app.keyring.encrypt("http://127.0.0.1:9/hook", "x"),
        urlDisplay: "http://127.0.0.1/…",
        secretCiphertext: app.keyring.encrypt("whsec_x", "y"),
        events: ["audit.checkpoint"],
      },
    });
    const policy = { everyEvents: 3, everyMs: 60 * 60_000 };
    expect(await checkpointIfDue(app, policy)).toBeNull();
    for (let i = 10; i <= 12; i++) await record(i);
    // The scheduler's notification sweep takes it and sends it.
    const sweep = { owner: "test", publicUrl: "http://rotor.test", overdueGraceMs: 60_000, maxAttempts: 1, timeoutMs: 1000, checkpoints: policy, describeSchedule: () => "" };
    expect(await collectNotifications(app, sweep)).toBe(1);
    expect(await collectNotifications(app, sweep)).toBe(0);
    const published = (await currentCheckpoint(app)) as { lastId: number; jwt: string };
    expect(published).toMatchObject({ lastId: 12, count: 12 });
    const deliveries = rowsOf<{ event_type: string; payload: { checkpoint: { lastId: number; jwt: string } } }>(
      await store.db.execute(sql`select event_type, payload from webhook_deliveries where webhook_id = ${webhook.id}`),
    );
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ event_type: "audit.checkpoint", payload: { checkpoint: { lastId: 12, jwt: published.jwt } } });
  });

  it("reports the newest events deleted: the shorter chain is intact in itself but not what the checkpoint saw", async () => {
    const checkpoint = await takeCheckpoint(app);
    await tamper(sql`delete from audit_events where id > 10`);
    const result = await verifyAudit({ db: store.db });
    expect(result.ok).toBe(false);
    expect(result.message).toBe(
      `The chain ends at event #10 (10 events) but the checkpoint of ${checkpoint.at} saw ${checkpoint.count} events up to #${checkpoint.lastId}: the newest events were deleted.`,
    );
    expect((await listAuditEvents({ db: store.db, filter: {}, limit: 100 })).events).toHaveLength(10);
  });
});

describe("GET /api/v1/audit/checkpoint", () => {
  it("answers admins the newest signed checkpoint, and refuses narrower scopes", async () => {
    const admin = await serviceToken(app, "audit monitor", "admin", null);
    const reader = await serviceToken(app, "reader", "read", null);
    const response = await callApi(app, auditCheckpointRoute, { token: admin.token });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { lastId: number; count: number; jwt: string; jwksUrl: string };
    const head = await readAuditHead({ db: app.db });
    expect(body).toMatchObject({ lastId: head.lastId, count: head.count });
    expect(body.jwksUrl).toMatch(/\/\.well-known\/jwks\.json$/);
    expect((await callApi(app, auditCheckpointRoute, { token: reader.token })).status).toBe(403);
  });
});
