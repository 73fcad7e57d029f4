/**
 * The scheduler's claim on both stores, on a `schedules` table ANALYZEd as autovacuum leaves it in every real
 * deployment. The statistics were taken while every schedule was still in the future (as after a quiet
 * period); then the schedules fall due together (as after downtime). With those statistics PostgreSQL plans
 * a claim written as `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` as a nested-loop
 * semi-join that re-runs the subquery per row and claims more than it may. The claim must take at most
 * `limit`, whatever the plan. And the one-statement finish of a run that holds only while the row is as
 * claimed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql, TransactionRollbackError } from "drizzle-orm";
import { openTestStore, STORE_KINDS, type TestStore } from "@/test/support/stores";
import type { Tx } from "../client";
import { insertEnvironment } from "./environments";
import { claimDueSchedules, finishLeasedSchedule, getScheduleById, insertSchedule, updateScheduleById } from "./schedules";

const SCHEDULES = 300;
const HOUR = 3_600_000;

describe.each(STORE_KINDS)("claimDueSchedules on an analyzed table (%s)", (kind) => {
  let store: TestStore;

  beforeAll(async () => {
    store = await openTestStore(kind);
    const hourFromNow = Date.now() + HOUR;
    // Due order, id order and insertion order agree, so a nested loop that re-runs the IN-subquery per row
    // meets, at every row, that row among the subquery's first `limit`: the over-claim the semi-join test
    // shows is then certain, not a matter of how the random ids happened to sort.
    for (let i = 0; i < SCHEDULES; i++) {
      const environment = await insertEnvironment({ db: store.db, name: `claim-${i}`, description: "" });
      const later = new Date(hourFromNow + i * 1000);
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      await insertSchedule({ db: store.db, schedule: { id, environmentId: environment.id, kind: "once", runAt: later, nextRunAt: later, nextSlotAt: later } });
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
    expect(new Set([...first, ...second].map((c) => c.schedule.id)).size).toBe(8);
    expect(first.every((c) => c.schedule.leaseOwner === "owner-a" && c.schedule.leaseExpiresAt && c.version && c.rotator === null)).toBe(true);

    const leased = await store.db.execute(sql`select count(*)::int as n from schedules where lease_owner is not null`);
    expect((leased as unknown as { rows: { n: number }[] }).rows[0].n).toBe(8);
  });

  it("holds the limit where the planner re-runs a subquery per row, which makes the IN-subquery form take more", async () => {
    // Planner settings under which both stores plan `WHERE id IN (SELECT … LIMIT n …)` as a nested-loop
    // semi-join with the subquery re-run for every row of schedules, as statistics can make them do.
    const semiJoin = [
      "enable_hashagg = off",
      "enable_hashjoin = off",
      "enable_mergejoin = off",
      "enable_material = off",
      ...["seq_page_cost", "random_page_cost", "cpu_tuple_cost", "cpu_index_tuple_cost", "cpu_operator_cost"].map((cost) => `${cost} = 0`),
    ];
    // Each form in a transaction of its own, rolled back: the table stays as the other tests leave it.
    const underSemiJoin = async (claim: (tx: Tx) => Promise<number>) => {
      let taken = 0;
      await store.db
        .transaction(async (tx) => {
          for (const setting of semiJoin) await tx.execute(sql.raw(`set local ${setting}`));
          taken = await claim(tx);
          tx.rollback();
        })
        .catch((error) => {
          if (!(error instanceof TransactionRollbackError)) throw error;
        });
      return taken;
    };
    const taken = {
      inSubquery: await underSemiJoin(async (tx) => {
        const result = await tx.execute(sql`update schedules set lease_owner = 'owner-in', lease_expires_at = now() + interval '1 minute'
          where id in (select id from schedules
            where paused = false and (next_run_at <= now() or next_retry_at <= now()) and (lease_owner is null or lease_expires_at < now())
            order by least(next_run_at, next_retry_at) limit 4 for update skip locked)
          returning id`);
        return (result as unknown as { rows: unknown[] }).rows.length;
      }),
      claim: await underSemiJoin(async (tx) => (await claimDueSchedules({ db: tx, owner: "owner-c", ttlMs: 60_000, limit: 4 })).length),
    };
    expect(taken.inSubquery).toBeGreaterThan(4);
    expect(taken.claim).toBe(4);
  });

  it("finishes a run in one statement only while the schedule is leased to us and unchanged since the claim", async () => {
    const [first] = await claimDueSchedules({ db: store.db, owner: "owner-d", ttlMs: 60_000, limit: 1 });
    const next = new Date(Date.now() + 24 * HOUR);
    const patch = { nextRunAt: next, lastOutcome: "succeeded" };
    expect(await finishLeasedSchedule({ db: store.db, id: first.schedule.id, owner: "owner-other", version: first.version, patch })).toBe(false);
    expect(await finishLeasedSchedule({ db: store.db, id: first.schedule.id, owner: "owner-d", version: first.version, patch })).toBe(true);
    expect(await getScheduleById({ db: store.db, id: first.schedule.id })).toMatchObject({ leaseOwner: null, leaseExpiresAt: null, nextRunAt: next, lastOutcome: "succeeded" });

    // Edited during the run: the finish leaves the row to the caller's locked fallback, edit and lease intact.
    const [second] = await claimDueSchedules({ db: store.db, owner: "owner-d", ttlMs: 60_000, limit: 1 });
    await updateScheduleById({ db: store.db, id: second.schedule.id, patch: { windowMinutes: 30 } });
    expect(await finishLeasedSchedule({ db: store.db, id: second.schedule.id, owner: "owner-d", version: second.version, patch })).toBe(false);
    expect(await getScheduleById({ db: store.db, id: second.schedule.id })).toMatchObject({ leaseOwner: "owner-d", windowMinutes: 30, lastOutcome: null });
  });
});
