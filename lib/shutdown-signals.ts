/**
 * One graceful shutdown per signal, however many copies of it arrive. A single Ctrl-C, `kill` of the
 * launcher or `systemctl stop` often reaches a Node process twice: the terminal (or systemd, which signals
 * every process of the unit) signals the process itself, and the launcher in between (npm run) forwards its
 * own copy. Copies within REPEAT_WINDOW_MS of the first are that same request and change nothing; a signal
 * after the window is a person insisting: `onForce` (exit now).
 */
export const REPEAT_WINDOW_MS = 2000;

export type ShutdownSignal = "SIGTERM" | "SIGINT";

export function onShutdownSignals(handlers: {
  onFirst: (signal: ShutdownSignal) => void;
  onRepeat?: (signal: ShutdownSignal) => void;
  onForce: (signal: ShutdownSignal) => void;
  now?: () => number;
}): () => void {
  const now = handlers.now ?? Date.now;
  let firstAt: number | undefined;
  const listener = (signal: ShutdownSignal) => {
    if (firstAt === undefined) {
      firstAt = now();
      handlers.onFirst(signal);
    } else if (now() - firstAt < REPEAT_WINDOW_MS) {
      handlers.onRepeat?.(signal);
    } else {
      handlers.onForce(signal);
    }
  };
  const signals: ShutdownSignal[] = ["SIGTERM", "SIGINT"];
  for (const signal of signals) process.on(signal, listener);
  return () => {
    for (const signal of signals) process.off(signal, listener);
  };
}
