import "server-only";
/**
 * The engine's RunScope (lib/rotators/types.ts): what rotators keep across the steps of one run, closed by the
 * engine when the run ends, whatever happens (a failure, a hold, a simulated crash).
 */
import type { RunScope } from "../rotators/types";
import { logError } from "../log";

export interface OpenRunScope extends RunScope {
  /** Closes everything kept, in parallel; never throws (a failure is logged: the run's outcome stands). */
  close(): Promise<void>;
}

export function openRunScope(): OpenRunScope {
  const kept = new Map<symbol, { value: unknown; close: (value: never) => Promise<void> }>();
  let closed = false;
  return {
    keep<T>(key: symbol, open: () => T, close: (value: T) => Promise<void>): T {
      const found = kept.get(key);
      if (found) return found.value as T;
      const value = open();
      // After the run (nothing should ask then) the value is not kept: its own limits (an idle timeout) apply.
      if (!closed) kept.set(key, { value, close });
      return value;
    },
    async close() {
      closed = true;
      const all = [...kept.values()];
      kept.clear();
      await Promise.all(all.map(({ value, close }) => close(value as never).catch((error: unknown) => logError("could not close what a rotation run kept", error))));
    },
  };
}
