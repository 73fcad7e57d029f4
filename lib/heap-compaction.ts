import "server-only";
/**
 * Gives the V8 heap's free pages back to the system once a burst of allocation is over.
 *
 * After a burst (the server's start, a CSV export of the audit log) the live heap is back where it was, but V8
 * keeps the pages it committed for the garbage, and its memory reducer did not return them (bench/README.md,
 * P4: +44 MiB of RSS still held a minute after a 20 MiB export). A full collection when the burst is over does:
 * the same export then left +10 MiB after one and +2 MiB after a second one a second later, each ~35 ms.
 *
 * Needs `--expose-gc` (package.json's start script and the Dockerfile's CMD); without it (next dev, tests that
 * do not pass a `gc`) it does nothing.
 */

/** How long after the last burst the heap is compacted: a burst that follows (a second export) postpones it. */
export const COMPACT_AFTER_MS = 15_000;
/** The second collection frees the pages the first one's sweep emptied. */
const SECOND_PASS_AFTER_MS = 1_000;

export interface HeapCompactor {
  /** A burst just ended: compact the heap COMPACT_AFTER_MS from now, unless another burst ends first. */
  afterBurst(): void;
}

export function createHeapCompactor({ gc = globalThis.gc, delayMs = COMPACT_AFTER_MS }: { gc?: () => void; delayMs?: number } = {}): HeapCompactor {
  let pending: ReturnType<typeof setTimeout> | undefined;
  const later = (ms: number, work: () => void) => {
    pending = setTimeout(work, ms);
    // A compaction still to come never keeps the process alive (a shutdown does not wait for it).
    pending.unref?.();
  };
  return {
    afterBurst() {
      if (!gc) return;
      clearTimeout(pending);
      later(delayMs, () => {
        gc();
        later(SECOND_PASS_AFTER_MS, () => gc());
      });
    },
  };
}

// One per process, on globalThis as the project's other process-wide state is: Next.js may load this module
// once per bundle (instrumentation, each route), and a start and an export must share one postponement.
const globalCompactor = globalThis as unknown as { __rotorHeapCompactor?: HeapCompactor };
/** The server process's compactor. */
export const heapCompactor: HeapCompactor = (globalCompactor.__rotorHeapCompactor ??= createHeapCompactor());
