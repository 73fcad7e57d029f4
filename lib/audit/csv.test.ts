/**
 * What a spreadsheet opens: each event's exported columns in the header's order, RFC 4180 quoting, a leading
 * quote on a value a spreadsheet would run as a formula, and details as JSON — read back through the export.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openTestStore, type TestStore } from "@/test/support/stores";
import { auditCsvStream } from "./csv-export";

let store: TestStore;

beforeAll(async () => {
  store = await openTestStore("pglite");
  await store.db.execute(sql`insert into audit_events (id, at, actor_label, action, outcome, target_type, target_id, target_label, ip, details, prev_hash, hash) values
    (1, '2026-12-01T10:00:00.123Z', 'alice@example.com', 'rotation.succeeded', 'success', 'rotator', '42', 'db, "main"', '10.0.0.1', '{"attempt":2,"note":"a\\nb"}'::jsonb, 'p', 'h1'),
    (2, '2026-12-02T11:30:00Z', '=cmd|calc', 'auth.sign_in', 'denied', null, null, null, null, '{}'::jsonb, 'h1', 'h2')`);
});

afterAll(async () => store?.destroy());

describe("audit CSV rows", () => {
  it("writes the exported columns, quoted where needed, newest first", async () => {
    const csv = await new Response(auditCsvStream({ db: store.db, filter: {} })).text();
    expect(csv).toBe(
      "id,at,actor,action,outcome,target_type,target_id,target,ip,details,hash\n" +
        "2,2026-12-02T11:30:00.000Z,'=cmd|calc,auth.sign_in,denied,,,,,{},h2\n" +
        '1,2026-12-01T10:00:00.123Z,alice@example.com,rotation.succeeded,success,rotator,42,"db, ""main""",10.0.0.1,"{""note"":""a\\nb"",""attempt"":2}",h1\n',
    );
  });
});
