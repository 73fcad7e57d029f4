/**
 * Benchmark (run on demand, not in CI): does the engine keep memory per rotation? One process, PGlite store,
 * one password rotator rotated `--rotations` times with rotateNow; every `--every` rotations a full garbage
 * collection, then the heap still in use and the process's RSS. A leak shows as live heap that grows with the
 * rotations; RSS alone cannot tell one (V8 keeps pages it has used until memory is short). The server's RSS
 * over rotations made over HTTP is bench:footprint's row; this isolates the engine and the store from Next.js.
 *
 *   npm run bench:engine-memory -- [--rotations 3000] [--every 250]
 */
import { openTestApp, TEST_ACTOR } from "../test/support/app-context";
import { createEnvironment } from "../lib/environments/service";
import { createRotator } from "../lib/rotation/rotator-service";
import { rotateNow } from "../lib/rotation/engine";
import { arg, runBenchmark, slope } from "./support/timing";

const ROTATIONS = Number(arg("rotations", "3000"));
const EVERY = Number(arg("every", "250"));
const mib = (bytes: number) => bytes / 2 ** 20;

async function main() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc (npm run bench:engine-memory does)");
  const app = await openTestApp("pglite");
  try {
    const environment = await createEnvironment(app, { actor: TEST_ACTOR, name: "engine-memory", description: "" });
    const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId: environment.id, name: "secret", type: "password", inputs: {} });
    const heap: [number, number][] = [];
    const rss: [number, number][] = [];
    for (let i = 0; i <= ROTATIONS; i++) {
      if (i % EVERY === 0) {
        gc();
        gc();
        const usage = process.memoryUsage();
        heap.push([i, mib(usage.heapUsed)]);
        rss.push([i, mib(usage.rss)]);
        console.log(`${String(i).padStart(6)} rotations: live heap ${mib(usage.heapUsed).toFixed(1)} MiB, RSS ${mib(usage.rss).toFixed(0)} MiB`);
      }
      if (i === ROTATIONS) break;
      const outcome = await rotateNow(app, { rotatorId: rotator.id, trigger: "schedule", actor: TEST_ACTOR });
      if (outcome.status !== "succeeded") throw new Error(`rotation ${i} ended ${outcome.status}: ${outcome.errorMessage ?? ""}`);
    }
    // From the first sample after warm-up on: the first rotations compile code and fill caches once.
    const perHundred = (points: [number, number][]) => slope(points.slice(1)) * 100;
    console.log(`live heap slope ${perHundred(heap).toFixed(3)} MiB per 100 rotations; RSS slope ${perHundred(rss).toFixed(2)} MiB per 100 (goal: flat, ≤ 1 MiB per 100: ${Math.abs(perHundred(heap)) <= 1 && perHundred(rss) <= 1 ? "met" : "not met"})`);
  } finally {
    await app.destroy();
  }
}

runBenchmark(main);
