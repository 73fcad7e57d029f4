import "server-only";
/**
 * The scheduler inside the Rotor server: started once per process from instrumentation (lib/startup.ts),
 * unless ROTOR_SCHEDULER=off (then only `npm run worker` processes schedule).
 */
import { env } from "../env";
import { getAppContext } from "../app-context";
import { Scheduler } from "./scheduler";
import { schedulerOptionsFromEnv } from "./config";
import { logError, logInfo } from "../log";
import { onShutdownSignals, type ShutdownSignal } from "../shutdown-signals";

const globalScheduler = globalThis as unknown as { __rotorScheduler?: Scheduler };

export function getProcessScheduler(): Scheduler | undefined {
  return globalScheduler.__rotorScheduler;
}

export async function startServerScheduler(): Promise<void> {
  const config = env();
  if (!config.scheduler.enabled) {
    logInfo("scheduler: off in this process (ROTOR_SCHEDULER=off); run `npm run worker` to rotate on schedule");
    return;
  }
  if (globalScheduler.__rotorScheduler) return;
  const scheduler = new Scheduler(await getAppContext(), schedulerOptionsFromEnv(config));
  globalScheduler.__rotorScheduler = scheduler;
  scheduler.start();
  logInfo(`scheduler: running in this process (concurrency ${config.scheduler.concurrency})`);
  stopBeforeExit(() => scheduler.stop());
}

/**
 * Next.js exits on SIGTERM/SIGINT as soon as its HTTP server has closed. To give running rotations their
 * grace period first, the listeners already installed (Next's) are deferred until the scheduler has
 * stopped, then called as they would have been. Without any prior listener, the process exits itself.
 * The copy of the signal that `npm start` forwards is the same request (lib/shutdown-signals.ts).
 */
function stopBeforeExit(stop: () => Promise<unknown>) {
  const previous = { SIGTERM: process.listeners("SIGTERM"), SIGINT: process.listeners("SIGINT") };
  process.removeAllListeners("SIGTERM");
  process.removeAllListeners("SIGINT");
  const exitCode = (signal: ShutdownSignal) => (signal === "SIGTERM" ? 143 : 130);
  onShutdownSignals({
    onFirst: (signal) => {
      logInfo(`${signal}: stopping the scheduler`);
      stop()
        .catch((error) => logError("scheduler did not stop cleanly", error))
        .finally(() => {
          if (previous[signal].length === 0) process.exit(exitCode(signal));
          for (const listener of previous[signal]) (listener as (s: NodeJS.Signals) => void)(signal);
        });
    },
    onForce: (signal) => process.exit(exitCode(signal)),
  });
}
