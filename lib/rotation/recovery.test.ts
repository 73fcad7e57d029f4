/**
 * At start, Rotor takes up what its own previous process left (lib/rotation/recovery.ts), on a real store:
 * a "Rotate now" run it was in the middle of is resumed as the same run by the same actor, with the step the
 * dead process was in shown as interrupted; a scheduled run is handed back to the schedulers; leases of a
 * live process, or of another instance, are not touched. And "already running" says since when and until when.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { createEnvironment } from "../environments/service";
import { createRotator } from "./rotator-service";
import { startRotation, SimulatedCrash } from "./engine";
import { recoverInterruptedRuns } from "./recovery";
import { getRotatorById } from "../db/queries/rotators";
import { getRunById, listStepsByRun } from "../db/queries/runs";
import { listAuditEvents } from "../db/queries/audit";
import { saveSchedule } from "../schedules/service";
import { schedules } from "../db/schema";
import { isAppError } from "../errors";

let app: TestApp;
let environmentId: string;
const INSTANCE = "recovery-test-host";
const DEAD_PID = 999_999_999; // never a live pid
const isAlive = (pid: number) => pid !== DEAD_PID;
const ALICE = { id: null, label: "alice@example.com" };

beforeAll(async () => {
  app = await openTestApp("pglite");
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "recovery", description: "" })).id;
}, 60_000);

afterAll(async () => {
  await app?.destroy();
});

let counter = 0;
async function newRotator() {
  counter++;
  return createRotator(app, { actor: TEST_ACTOR, environmentId, name: `secret${counter}`, type: "password", inputs: {} });
}

/** A run that "process" `owner` started and died in: after persisting its pending secret, inside apply. */
async function crashedRun(rotatorId: string, owner: string, trigger: "user" | "schedule" = "user") {
  const { runId, completion } = await startRotation(
    app,
    { rotatorId, trigger, actor: ALICE },
    {
      owner,
      leaseTtlMs: 10 * 60_000,
      hooks: {
        afterStep(step) {
          if (step === "persist pending") throw new SimulatedCrash(step);
        },
      },
    },
  );
  await expect(completion).rejects.toBeInstanceOf(SimulatedCrash);
  // The write-ahead record started the apply step with it: the dead process shows as inside apply.
  expect((await listStepsByRun({ db: app.db, runId })).map((s) => `${s.name}:${s.status}`).slice(-3)).toEqual(["plan:succeeded", "persist pending:succeeded", "apply:running"]);
  return runId;
}

describe("recovering interrupted runs at start", () => {
  it("resumes a Rotate now run its previous process left, as the same run and actor", async () => {
    const rotator = await newRotator();
    const runId = await crashedRun(rotator.id, `${INSTANCE}/${DEAD_PID}/deadbeef:engine`);
    expect((await getRotatorById({ db: app.db, id: rotator.id }))!.leaseOwner).toContain(String(DEAD_PID));

    const recovery = await recoverInterruptedRuns(app, { instance: INSTANCE, isAlive });
    expect(recovery.resumed.map((r) => r.runId)).toEqual([runId]);
    expect(await recovery.resumed[0].completion).toMatchObject({ runId, status: "succeeded" });

    expect(await getRunById({ db: app.db, id: runId })).toMatchObject({ status: "succeeded", attempt: 2, trigger: "user", actorLabel: ALICE.label });
    const steps = await listStepsByRun({ db: app.db, runId });
    expect(steps.map((s) => `${s.name}:${s.status}`)).toEqual(["plan:succeeded", "persist pending:succeeded", "apply:interrupted", "resume:succeeded", "apply:succeeded", "verify:succeeded", "commit:succeeded"]);
    expect(steps.find((s) => s.status === "interrupted")!.message).toMatch(/process running this step stopped/);
    const audit = await listAuditEvents({ db: app.db, filter: { action: "rotation.succeeded" }, limit: 50 });
    expect(audit.events.find((e) => (e.details as { runId?: string }).runId === runId)?.actorLabel).toBe(ALICE.label);
    expect((await getRotatorById({ db: app.db, id: rotator.id }))!.leaseOwner).toBeNull();
  });

  it("hands a scheduled run back to the schedulers instead of running it itself", async () => {
    const rotator = await newRotator();
    await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId: rotator.id }, input: { kind: "cron", cron: "0 * * * *", timezone: "UTC" }, minIntervalMs: 3_600_000 });
    const owner = `${INSTANCE}/${DEAD_PID}/deadbeef`;
    await app.db.update(schedules).set({ leaseOwner: `${owner}:scheduler`, leaseExpiresAt: sql`now() + interval '10 minutes'` }).where(eq(schedules.rotatorId, rotator.id));
    const runId = await crashedRun(rotator.id, `${owner}:engine`, "schedule");

    const recovery = await recoverInterruptedRuns(app, { instance: INSTANCE, isAlive });
    expect(recovery).toMatchObject({ resumed: [], handedBack: 1 });
    const [schedule] = await app.db.select().from(schedules).where(eq(schedules.rotatorId, rotator.id));
    expect(schedule.leaseOwner).toBeNull();
    expect((await getRotatorById({ db: app.db, id: rotator.id }))!.leaseOwner).toBeNull();
    expect((await getRunById({ db: app.db, id: runId }))!.status).toBe("running"); // the scheduler resumes it
  });

  it("leaves the leases of a live process with the same id, and of other instances, alone", async () => {
    const live = await newRotator();
    const other = await newRotator();
    await crashedRun(live.id, `${INSTANCE}/${process.ppid}/cafebabe:engine`); // alive: another worker on this host
    await crashedRun(other.id, `other-host/${DEAD_PID}/deadbeef:engine`);
    const recovery = await recoverInterruptedRuns(app, { instance: INSTANCE, isAlive });
    expect(recovery).toMatchObject({ resumed: [], handedBack: 0 });
    expect((await getRotatorById({ db: app.db, id: live.id }))!.leaseOwner).toContain("cafebabe");
    expect((await getRotatorById({ db: app.db, id: other.id }))!.leaseOwner).toContain("other-host");
  });

  it("says since when a rotation runs and until when its lease holds", async () => {
    const rotator = await newRotator();
    await crashedRun(rotator.id, `other-host/${DEAD_PID}/deadbeef:engine`);
    const error = await startRotation(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("rotation:busy");
    expect((error as Error).message).toMatch(
      new RegExp(`A rotation of ${rotator.name} is already running since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\. Its lease runs until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC`),
    );
  });
});
