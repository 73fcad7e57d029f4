/**
 * The overview and the metrics agree with what happened: statuses from rotators and schedules (failing,
 * overdue, paused, unscheduled, healthy), runs per day, upcoming runs; Prometheus text that parses and holds
 * no secret.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { createEnvironment } from "../environments/service";
import { createRotator, revealCredential } from "../rotation/rotator-service";
import { rotateNow } from "../rotation/engine";
import { saveSchedule, setSchedulePaused } from "../schedules/service";
import { getOverview } from "./overview";
import { renderMetrics } from "./metrics";
import { updateScheduleById } from "../db/queries/schedules";
import { beatSchedulerHeartbeat, deleteSchedulerHeartbeat } from "../db/queries/scheduler-heartbeats";
import { rotationRuns } from "../db/schema";
import { eq, sql } from "drizzle-orm";
import { rowsOf } from "../db/queries/audit";
import { promtoolCheckMetrics } from "@/test/support/promtool";

const HOUR = 3_600_000;
let app: TestApp;
let secret = "";

beforeAll(async () => {
  app = await openTestApp("pglite");
  const env = await createEnvironment(app, { actor: TEST_ACTOR, name: "prod", description: "" });
  const ok = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "rotated", type: "password", inputs: {} });
  await rotateNow(app, { rotatorId: ok.id, trigger: "user", actor: TEST_ACTOR });
  secret = (await revealCredential(app, { actor: TEST_ACTOR, rotatorId: ok.id, which: "current" })).password;
  const broken = await createRotator(app, {
    actor: TEST_ACTOR,
    environmentId: env.id,
    name: "broken",
    type: "postgres",
    inputs: { host: "127.0.0.1", port: 1, database: "postgres", tls: { mode: "disable" }, managing: { username: "m", password: "managing-secret-1" }, username1: "a", username2: "b" },
  });
  expect((await rotateNow(app, { rotatorId: broken.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("failed");
  const late = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "late", type: "password", inputs: {} });
  const lateSchedule = await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId: late.id }, input: { kind: "cron", cron: "0 3 * * *", timezone: "UTC" }, minIntervalMs: HOUR });
  await updateScheduleById({ db: app.db, id: lateSchedule.id, patch: { nextRunAt: new Date(Date.now() - 2 * HOUR) } });
  const resting = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "resting", type: "password", inputs: {} });
  const restingSchedule = await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId: resting.id }, input: { kind: "cron", cron: "0 4 * * *", timezone: "UTC" }, minIntervalMs: HOUR });
  await setSchedulePaused(app, { actor: TEST_ACTOR, scheduleId: restingSchedule.id, paused: true, minIntervalMs: HOUR });
  const planned = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "planned", type: "password", inputs: {} });
  await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId: planned.id }, input: { kind: "interval", every: "2", unit: "hours" }, minIntervalMs: HOUR });
}, 60_000);

afterAll(async () => {
  await app?.destroy();
});

describe("overview", () => {
  it("counts rotators by status and lists what needs attention first", async () => {
    const overview = await getOverview(app, { overdueGraceMs: 10 * 60_000 });
    expect(overview.environmentCount).toBe(1);
    expect(overview.rotatorCount).toBe(5);
    expect(overview.counts).toMatchObject({ failing: 1, overdue: 1, paused: 1, unscheduled: 1, healthy: 1, retrying: 0, rotating: 0 });
    expect(overview.attention.map((r) => [r.name, r.status])).toEqual([
      ["broken", "failing"],
      ["late", "overdue"],
    ]);
    expect(overview.attention[0].lastError).toMatch(/connection refused/);
    expect(overview.attention[1].dueAt!.getTime()).toBeLessThan(Date.now() - HOUR);
    // Upcoming: the overdue one first, the paused one not at all.
    expect(overview.upcoming.map((u) => u.rotator?.name)).toEqual(["late", "planned"]);
    expect(overview.upcoming[1].description).toBe("every 2 hours");
    const today = overview.perDay[overview.perDay.length - 1];
    expect(overview.perDay).toHaveLength(30);
    expect(today).toEqual({ day: new Date().toISOString().slice(0, 10), succeeded: 1, failed: 1 });
    expect(overview.recentRuns.map((r) => [r.rotatorName, r.status])).toEqual([
      ["broken", "failed"],
      ["rotated", "succeeded"],
    ]);
  });
});

describe("metrics", () => {
  it("renders exposition that promtool accepts, with finished rotations, durations, failing and overdue rotators and last successes", async () => {
    const text = await renderMetrics(app, { overdueGraceMs: 10 * 60_000 });
    // prom-client's default process metrics name three gauges nodejs_active_*_total (its own long-standing
    // naming); everything else, Rotor's metrics included, must pass promtool's lint, and all must parse.
    const problems = promtoolCheckMetrics(text)
      .split("\n")
      .filter((line) => line && !/^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(line));
    expect(problems).toEqual([]);
    // Every metric family has HELP and TYPE.
    const families = new Set([...text.matchAll(/^([a-z_:][a-z0-9_:]*)(?:\{| )/gm)].map((m) => m[1].replace(/_(bucket|sum|count)$/, "")));
    for (const family of families) {
      expect(text, family).toMatch(new RegExp(`^# HELP ${family} `, "m"));
      expect(text, family).toMatch(new RegExp(`^# TYPE ${family} `, "m"));
    }
    expect(text).toContain('rotor_rotations_total{type="password",status="succeeded"} 1');
    expect(text).toContain('rotor_rotations_total{type="postgres",status="failed"} 1');
    // Finished runs only: a counter never counts a run that is still going (and so never goes down).
    expect(text).not.toMatch(/rotor_rotations_total\{[^}]*status="(running|pending)"/);
    expect(text).toContain('rotor_rotations_total{type="mysql",status="succeeded"} 0');
    expect(text).toContain('rotor_rotations_in_progress{type="password"} 0');
    expect(text).toContain('rotor_rotation_duration_seconds_bucket{type="password",le="+Inf"} 1');
    expect(text).toContain('rotor_rotation_duration_seconds_count{type="postgres"} 1');
    expect(text).toContain("rotor_rotators_failing 1");
    expect(text).toContain("rotor_rotators_overdue 1");
    expect(text).toContain('rotor_rotators{status="never_rotated"} 0');
    expect(text).not.toMatch(/="[^"]* [^"]*"/); // no label value with a space
    expect(text).toContain('rotor_rotator_status{environment="prod",rotator="late",type="password",status="overdue"} 1');
    expect(text).toMatch(/rotor_rotator_last_success_timestamp_seconds\{environment="prod",rotator="rotated",type="password"\} \d{10}\n/);
    expect(text).toContain('rotor_rotator_expected_interval_seconds{environment="prod",rotator="planned",type="password"} 7200');
    expect(text).toContain('rotor_rotator_expected_interval_seconds{environment="prod",rotator="late",type="password"} 86400');
    expect(text).not.toContain('rotor_rotator_expected_interval_seconds{environment="prod",rotator="resting"');
    expect(text).toMatch(/rotor_rotator_next_run_timestamp_seconds\{environment="prod",rotator="planned",type="password"\} \d{10}\n/);
    expect(text).toMatch(/rotor_build_info\{version="\d+\.\d+\.\d+[^"]*",commit="[^"]+"\} 1/);
    expect(text).toContain("process_cpu_seconds_total");
    expect(text).not.toContain('rotator="broken",type="postgres"} ');
    expect(text).not.toContain(secret);
    expect(text).not.toContain("managing-secret-1");
  });

  it("counts a run when it finishes, not while it runs, and keeps counting after runs are deleted", async () => {
    const before = await renderMetrics(app);
    const count = (text: string) => Number(/rotor_rotations_total\{type="password",status="succeeded"\} (\d+)/.exec(text)?.[1]);
    const environment = await createEnvironment(app, { actor: TEST_ACTOR, name: "counted", description: "" });
    const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId: environment.id, name: "counted", type: "password", inputs: {} });
    const [run] = await app.db
      .insert(rotationRuns)
      .values({ rotatorId: rotator.id, rotatorName: "counted", rotatorType: "password", environmentName: "counted", trigger: "user", actorLabel: "test", status: "running" })
      .returning();
    const during = await renderMetrics(app);
    expect(count(during)).toBe(count(before));
    expect(during).toContain('rotor_rotations_in_progress{type="password"} 1');
    await app.db.update(rotationRuns).set({ status: "succeeded", finishedAt: new Date(run.startedAt.getTime() + 1500) }).where(eq(rotationRuns.id, run.id));
    const after = await renderMetrics(app);
    expect(count(after)).toBe(count(before) + 1);
    expect(after).toContain('rotor_rotations_in_progress{type="password"} 0');
    // Re-saving the finished run (same status) does not count it again; deleting it does not uncount it.
    await app.db.update(rotationRuns).set({ notifiedAt: new Date(), status: "succeeded" }).where(eq(rotationRuns.id, run.id));
    await app.db.delete(rotationRuns).where(eq(rotationRuns.id, run.id));
    expect(count(await renderMetrics(app))).toBe(count(before) + 1);
  });

  it("counts the scheduler processes that are alive in any instance", async () => {
    const scheduled = (text: string) => Number(/^rotor_scheduler_processes (\d+)$/m.exec(text)?.[1]);
    expect(scheduled(await renderMetrics(app))).toBe(0);
    await beatSchedulerHeartbeat({ db: app.db, owner: "host-a:1:scheduler", ttlMs: 30_000 });
    await beatSchedulerHeartbeat({ db: app.db, owner: "host-b:2:scheduler", ttlMs: 30_000 });
    expect(scheduled(await renderMetrics(app))).toBe(2);
    await deleteSchedulerHeartbeat({ db: app.db, owner: "host-a:1:scheduler" });
    await beatSchedulerHeartbeat({ db: app.db, owner: "host-b:2:scheduler", ttlMs: -1 }); // missed its beat
    expect(scheduled(await renderMetrics(app))).toBe(0);
  });
});

// Last: its runs move rotation_run_totals, which the metrics tests above count exactly.
describe("overview chart", () => {
  it("draws the 30-day chart from the daily rollup, equal to a direct count through inserts, status changes, moves and deletes", async () => {
    const DAY = 86_400_000;
    const now = new Date();
    const run = (daysAgo: number, status: (typeof rotationRuns.$inferInsert)["status"]) => ({
      rotatorName: "charted", rotatorType: "password", environmentName: "prod", trigger: "schedule" as const, actorLabel: "test", status,
      startedAt: new Date(now.getTime() - daysAgo * DAY),
    });
    const rows = await app.db
      .insert(rotationRuns)
      .values([run(0, "succeeded"), run(1, "failed"), run(1, "running"), run(3, "succeeded"), run(29, "failed"), run(31, "succeeded"), run(5, "pending")])
      .returning();
    // A failed run resumed to success, a running one failing, one moved a day back, one deleted, one reset.
    await app.db.update(rotationRuns).set({ status: "succeeded" }).where(eq(rotationRuns.id, rows[1].id));
    await app.db.update(rotationRuns).set({ status: "failed" }).where(eq(rotationRuns.id, rows[2].id));
    await app.db.update(rotationRuns).set({ startedAt: new Date(now.getTime() - 4 * DAY) }).where(eq(rotationRuns.id, rows[3].id));
    await app.db.delete(rotationRuns).where(eq(rotationRuns.id, rows[4].id));
    await app.db.update(rotationRuns).set({ status: "succeeded" }).where(eq(rotationRuns.id, rows[6].id));
    await app.db.update(rotationRuns).set({ status: "running" }).where(eq(rotationRuns.id, rows[6].id));

    const overview = await getOverview(app, { now });
    const direct = rowsOf<{ day: string; status: string; n: number }>(
      await app.db.execute(sql`select to_char(started_at at time zone 'UTC', 'YYYY-MM-DD') as day, status, count(*)::int as n
        from rotation_runs where status in ('succeeded', 'failed') group by 1, 2`),
    );
    const expected = overview.perDay.map(({ day }) => ({
      day,
      succeeded: direct.filter((d) => d.day === day && d.status === "succeeded").reduce((n, d) => n + Number(d.n), 0),
      failed: direct.filter((d) => d.day === day && d.status === "failed").reduce((n, d) => n + Number(d.n), 0),
    }));
    expect(overview.perDay).toEqual(expected);
    const total = (key: "succeeded" | "failed") => overview.perDay.reduce((n, d) => n + d[key], 0);
    // beforeAll's two runs (today) plus: today 1, yesterday 2 (resumed, failed), 4 days ago 1; day 29 deleted, day 31 outside.
    expect([total("succeeded"), total("failed")]).toEqual([4, 2]);
    await app.db.delete(rotationRuns).where(eq(rotationRuns.rotatorName, "charted"));
    expect((await getOverview(app, { now })).perDay.reduce((n, d) => n + d.succeeded + d.failed, 0)).toBe(2);
  });
});
