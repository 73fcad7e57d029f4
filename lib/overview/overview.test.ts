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
  it("renders valid Prometheus text with rotations, durations, failing and overdue rotators and last successes", async () => {
    const text = await renderMetrics(app, { overdueGraceMs: 10 * 60_000 });
    for (const line of text.trim().split("\n")) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?\d+(\.\d+)?(e[+-]?\d+)?)$/);
    }
    expect(text).toContain('rotor_rotations_total{type="password",status="succeeded"} 1');
    expect(text).toContain('rotor_rotations_total{type="postgres",status="failed"} 1');
    expect(text).toContain('rotor_rotation_duration_seconds_bucket{type="password",le="+Inf"} 1');
    expect(text).toContain('rotor_rotation_duration_seconds_count{type="postgres"} 1');
    expect(text).toContain("rotor_rotators_failing 1");
    expect(text).toContain("rotor_rotators_overdue 1");
    expect(text).toContain('rotor_rotator_status{environment="prod",rotator="late",type="password",status="overdue"} 1');
    expect(text).toMatch(/rotor_rotator_last_success_timestamp_seconds\{environment="prod",rotator="rotated",type="password"\} \d{10}\n/);
    expect(text).not.toContain('rotator="broken",type="postgres"} ');
    expect(text).not.toContain(secret);
    expect(text).not.toContain("managing-secret-1");
  });
});
