/**
 * What every benchmark in bench/ needs to time things: its command-line options, percentiles of timed
 * samples, interleaved A/B timing, and how a benchmark's main() ends. One home, so that every bench reports
 * p50/p95 and medians the same way.
 */
import { performance } from "node:perf_hooks";

/** `--name value` from the command line, or the fallback. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** The sample at quantile q (0..1) of ascending-sorted samples: the nearest-rank rule every bench uses. */
export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

export const median = (samples: number[]) => quantile([...samples].sort((a, b) => a - b), 0.5);

export interface Percentiles {
  p50: number;
  p95: number;
}

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}

/** Milliseconds one call of body takes. */
export async function timed(body: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await body();
  return performance.now() - start;
}

/** p50 and p95 of `repeat` timed calls after one warm-up. */
export async function timeRepeated(body: () => Promise<unknown>, repeat = 20): Promise<Percentiles> {
  await body();
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) samples.push(await timed(body));
  return percentiles(samples);
}

/**
 * Each variant called once in turn, `rounds` times: on a shared machine the load drifts, and interleaving
 * spreads the drift over every variant alike, so that the ratios measured in one run mean something.
 */
export async function interleaved<K extends string>(variants: Record<K, () => Promise<unknown>>, rounds: number): Promise<Record<K, number[]>> {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < rounds; i++) for (const key of Object.keys(variants) as K[]) samples[key].push(await timed(variants[key]));
  return samples;
}

/** `concurrency` loops calling `once` for `seconds`; the rate and latency percentiles over every call. */
export async function underLoad(once: () => Promise<unknown>, { seconds, concurrency }: { seconds: number; concurrency: number }) {
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) samples.push(await timed(once));
    }),
  );
  return { requests: samples.length, perSecond: samples.length / seconds, ...percentiles(samples) };
}

/** Runs a benchmark's main and exits: 0 when it finished, 1 with the error printed when it failed. */
/** Least-squares slope of y over x. */
export function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
