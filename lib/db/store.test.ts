/** The store against both backends: migrations, the audit log's guarantees, and pagination. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { STORE_KINDS, openTestStore, type TestStore } from "@/test/support/stores";
import { openStore } from "./client";
import { insertAuditEvent, listAuditEvents, recordAuditEvent, suggestActorLabels, verifyAuditChain } from "./queries/audit";

describe.each(STORE_KINDS)("store on %s", (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.destroy();
  });

  it("applies migrations once; opening again is a no-op", async () => {
    const tables = await store.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public'`);
    const names = ((tables as unknown as { rows: { table_name: string }[] }).rows).map((r) => r.table_name);
    expect(names).toEqual(expect.arrayContaining(["users", "environments", "rotators", "rotation_runs", "audit_events", "schedules"]));
    if (kind === "postgres") {
      const again = await openStore({ databaseUrl: store.databaseUrl, dataDir: store.dataDir });
      await again.close();
    }
  });

  it("chains concurrent appends and verifies the chain", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => recordAuditEvent({ db: store.db, event: { actorLabel: `user${i}@example.com`, action: "test.event", details: { i } } })),
    );
    expect(await verifyAuditChain({ db: store.db, batchSize: 7 })).toMatchObject({ ok: true, checked: 20, keyedFromId: null });
  });

  it("rolls the audit event back with the change it records", async () => {
    const before = (await listAuditEvents({ db: store.db, filter: {}, limit: 1000 })).events.length;
    await expect(
      store.db.transaction(async (tx) => {
        await insertAuditEvent({ tx, event: { actorLabel: "x", action: "test.rolled_back" } });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect((await listAuditEvents({ db: store.db, filter: {}, limit: 1000 })).events.length).toBe(before);
  });

  it("refuses UPDATE and DELETE of audit events", async () => {
    await expect(store.db.execute(sql`update audit_events set actor_label = 'mallory'`)).rejects.toThrow();
    await expect(store.db.execute(sql`delete from audit_events`)).rejects.toThrow();
  });

  it("filters and pages newest first with a keyset cursor", async () => {
    const first = await listAuditEvents({ db: store.db, filter: { action: "test.event" }, limit: 8 });
    expect(first.events).toHaveLength(8);
    expect(first.nextBefore).toBe(first.events[7].id);
    const second = await listAuditEvents({ db: store.db, filter: { action: "test.event" }, before: first.nextBefore!, limit: 8 });
    const third = await listAuditEvents({ db: store.db, filter: { action: "test.event" }, before: second.nextBefore!, limit: 8 });
    const ids = [...first.events, ...second.events, ...third.events].map((e) => e.id);
    expect(ids).toHaveLength(20);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(third.nextBefore).toBeNull();
    // The actor filter is exact and case-insensitive (an index serves it); partial names go through the typeahead.
    const byActor = await listAuditEvents({ db: store.db, filter: { actor: " User7@Example.com " }, limit: 10 });
    expect(byActor.events.map((e) => e.details)).toEqual([{ i: 7 }]);
    expect((await listAuditEvents({ db: store.db, filter: { actor: "user7@" }, limit: 10 })).events).toHaveLength(0);
    // LIKE wildcards in a filter are literal text, not patterns.
    expect((await listAuditEvents({ db: store.db, filter: { actor: "%" }, limit: 10 })).events).toHaveLength(0);
  });

  it("suggests distinct actor labels by prefix, in order, for the actor filter", async () => {
    await recordAuditEvent({ db: store.db, event: { actorLabel: "USER1@example.com", action: "test.other" } });
    // "C" order: "user10@" < "user1@" ("0" < "@"); USER1@ and user1@ are one label.
    expect(await suggestActorLabels({ db: store.db, prefix: "User1" })).toEqual(Array.from({ length: 10 }, (_, i) => `user1${i}@example.com`));
    expect(await suggestActorLabels({ db: store.db, prefix: "user1", limit: 3 })).toEqual(["user10@example.com", "user11@example.com", "user12@example.com"]);
    expect(await suggestActorLabels({ db: store.db, prefix: "user1@", limit: 20 })).toEqual(["user1@example.com"]);
    expect(await suggestActorLabels({ db: store.db, prefix: "user", limit: 30 })).toHaveLength(20);
    expect(await suggestActorLabels({ db: store.db, prefix: "%" })).toEqual([]);
    expect(await suggestActorLabels({ db: store.db, prefix: "  " })).toEqual([]);
  });

  it("detects an edited row and a deleted row (when someone bypasses the trigger)", async () => {
    await store.db.execute(sql`alter table audit_events disable trigger audit_events_no_update`);
    const [target] = (await listAuditEvents({ db: store.db, filter: { actor: "user3@example.com" }, limit: 1 })).events;
    await store.db.execute(sql`update audit_events set details = '{"i": 99}' where id = ${target.id}`);
    expect(await verifyAuditChain({ db: store.db })).toMatchObject({ ok: false, firstBrokenId: target.id });
    await store.db.execute(sql`update audit_events set details = '{"i": 3}' where id = ${target.id}`);
    expect(await verifyAuditChain({ db: store.db })).toMatchObject({ ok: true });
    await store.db.execute(sql`delete from audit_events where id = ${target.id}`);
    const result = await verifyAuditChain({ db: store.db });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.firstBrokenId).toBeGreaterThan(target.id);
    await store.db.execute(sql`alter table audit_events enable trigger audit_events_no_update`);
  });
});
