/**
 * Benchmark (run on demand, not in CI): what a rotation writes to the revision history. An environment with
 * `--rotators` password rotators (each with a current and a previous credential) is rotated `--rotations`
 * times, one rotator after another; it prints the revision bytes written per rotation (the rows' full text,
 * amortized over the periodic snapshots), the time per rotation, and the time to open the newest and a
 * middle revision.
 *
 *   npm run bench:revisions -- [--store pglite|postgres] [--rotators 500] [--rotations 200]
 */
import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { openTestApp, TEST_ACTOR } from "../test/support/app-context";
import type { StoreKind } from "../test/support/stores";
import { rowsOf } from "../lib/db/queries/audit";
import { getEnvironmentById } from "../lib/db/queries/environments";
import { insertRotator } from "../lib/db/queries/rotators";
import { createEnvironment } from "../lib/environments/service";
import { recordRevision } from "../lib/environments/revisions";
import { openEnvironment } from "../lib/api/opened-environment";
import { newRotatorRow } from "../lib/rotation/rotator-service";
import { rotateNow } from "../lib/rotation/engine";
import { arg, runBenchmark } from "./support/timing";

async function main() {
  const kind = arg("store", "pglite") as StoreKind;
  const rotatorCount = Number(arg("rotators", "500"));
  const rotations = Number(arg("rotations", "200"));
  const app = await openTestApp(kind);
  try {
    const env = await createEnvironment(app, { actor: TEST_ACTOR, name: "bench-revisions", description: "" });
    const ids: string[] = [];
    await app.db.transaction(async (tx) => {
      for (let i = 0; i < rotatorCount; i++) {
        const id = randomUUID();
        ids.push(id);
        const state = { current: { password: randomUUID() + randomUUID() }, previous: { password: randomUUID() + randomUUID() } };
        await insertRotator({ db: tx, rotator: newRotatorRow(app.keyring, { id, environmentId: env.id, name: `service-${String(i).padStart(4, "0")}`, type: "password", inputs: {}, state, stateRevision: 1 }) });
      }
      await recordRevision({ tx, keyring: app.keyring, environmentId: env.id, reason: "bench rotators added", actor: TEST_ACTOR });
    });
    const before = (await getEnvironmentById({ db: app.db, id: env.id }))!.currentRevision;
    const started = performance.now();
    for (let i = 0; i < rotations; i++) {
      const outcome = await rotateNow(app, { rotatorId: ids[i % ids.length]!, trigger: "schedule", actor: TEST_ACTOR });
      if (outcome.status !== "succeeded") throw new Error(`rotation failed: ${outcome.errorMessage}`);
    }
    const perRotationMs = (performance.now() - started) / rotations;
    const [written] = rowsOf<{ bytes: number; count: number }>(
      await app.db.execute(sql`select coalesce(sum(octet_length(r::text)), 0)::bigint as bytes, count(*)::int as count
        from environment_revisions r where environment_id = ${env.id} and revision > ${before}`),
    );
    const environment = (await getEnvironmentById({ db: app.db, id: env.id }))!;
    const openMs = async (revision: number) => {
      await openEnvironment(app, { environment, revision });
      const t = performance.now();
      for (let i = 0; i < 10; i++) await openEnvironment(app, { environment, revision });
      return (performance.now() - t) / 10;
    };
    const newest = await openMs(environment.currentRevision);
    // Half-way plus 49: about as far past a snapshot (one every 100 revisions) as a revision gets, so opening
    // it replays the most deltas; never past the newest (a short run has fewer revisions than that).
    const middle = await openMs(Math.min(environment.currentRevision, before + Math.floor(rotations / 2) + 49));
    const bytes = Number(written!.bytes);
    console.log(`store ${kind}, ${rotatorCount} rotators, ${rotations} rotations (${written!.count} revisions)`);
    console.log(`| revision bytes per rotation | ${(bytes / rotations / 1024).toFixed(2)} KB |`);
    console.log(`| rotation (rotateNow, password) | ${perRotationMs.toFixed(1)} ms |`);
    console.log(`| open newest revision | ${newest.toFixed(1)} ms |`);
    console.log(`| open a middle revision | ${middle.toFixed(1)} ms |`);
  } finally {
    await app.destroy();
  }
}

runBenchmark(main);
