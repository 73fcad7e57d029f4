/**
 * The scheduler's claim on both stores, on a `schedules` table ANALYZEd as autovacuum leaves it in every real
 * deployment. The statistics were taken while every schedule was still in the future (as after a quiet
 * period); then the schedules fall due together (as after downtime). With those statistics PostgreSQL plans
 * a claim written as `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` as a nested-loop
 * semi-join that re-runs the subquery per row and claims every due schedule. The claim must take at most
 * `limit`, whatever the plan.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openTestStore, STORE_KINDS, type TestStore } from "@/test/support/stores";
import { insertEnvironment } from "./environments";
import { claimDueSchedules, insertSchedule } from "./schedules";

const SCHEDULES = 300;
const HOUR = 3_600_000;

describe.each(STORE_KINDS)("claimDueSchedules on an analyzed table (%s)", (kind) => {
  let store: TestStore;

  beforeAll(async () => {
    store = await openTestStore(kind);
    const later = new Date(Date.now() + HOUR);
    for (let i = 0; i < SCHEDULES; i++) {
      const environment = await insertEnvironment({ db: store.db, name: `claim-${i}`, description: "" });
      await insertSchedule({ db: store.db, schedule: { environmentId: environment.id, kind: "once", runAt: later, nextRunAt: later, nextSlotAt: later } });
    }
    await store.db.execute(sql`analyze schedules`);
    await store.db.execute(sql`update schedules set next_run_at = next_run_at - interval '3 hours'`);
  });

  afterAll(async () => {
    await store?.destroy();
  });

  it("takes at most `limit` due schedules per claim, and never one twice", async () => {
    const first = await claimDueSchedules({ db: store.db, owner: "owner-a", ttlMs: 60_000, limit: 4 });
    const second = await claimDueSchedules({ db: store.db, owner: "owner-b", ttlMs: 60_000, limit: 4 });
    expect(first).toHaveLength(4);
    expect(second).toHaveLength(4);
    expect(new Set([...first, ...second].map((s) => s.id)).size).toBe(8);

    const leased = await store.db.execute(sql`select count(*)::int as n from schedules where lease_owner is not null`);
    expect((leased as unknown as { rows: { n: number }[] }).rows[0].n).toBe(8);
  });
});
