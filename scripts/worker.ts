/**
 * `npm run worker`: an extra scheduler process beside the Rotor server(s), for more rotation throughput or
 * to keep web and scheduling apart (ROTOR_SCHEDULER=off on the web servers). Same configuration as the
 * server (DATABASE_URL, ROTOR_MASTER_KEY, ROTOR_SCHEDULER_*, ...). PostgreSQL only: the embedded store
 * belongs to one process. Any number of workers may run; each due rotation runs exactly once (row leases).
 *
 * Runs as ONE Node process right under npm (package.json "worker": `exec node --import tsx …`): `exec`, so
 * that the shell npm starts does not sit between them (npm forwards SIGTERM to the shell, which dies of it and
 * leaves the worker running, orphaned); tsx as a loader, not the tsx CLI, whose extra parent process relays
 * signals and SIGKILLs a child that does not confirm one within 30 ms. The `react-server` condition resolves
 * the `server-only` guard of Rotor's server modules to its empty server build.
 *
 * At start it resumes the runs its own previous process left (lib/rotation/recovery.ts).
 *
 * SIGTERM/SIGINT: stop claiming, let running rotations finish (ROTOR_SHUTDOWN_GRACE_SECONDS), exit. Ctrl-C or
 * systemd signal npm and the worker alike, and npm forwards its copy: that second copy is the same request
 * (lib/shutdown-signals.ts). A signal seconds later exits at once, and what was running is resumed by this
 * worker's next start or by another scheduler.
 */
import { ConfigError, env } from "../lib/env";
import { getAppContext } from "../lib/app-context";
import { getStore } from "../lib/db/client";
import { Scheduler } from "../lib/schedules/scheduler";
import { schedulerOptionsFromEnv } from "../lib/schedules/config";
import { logConfigError, logError, logInfo } from "../lib/log";
import { recoverInterruptedRuns } from "../lib/rotation/recovery";
import { onShutdownSignals } from "../lib/shutdown-signals";

async function main() {
  let config;
  try {
    config = env();
  } catch (error) {
    if (error instanceof ConfigError) logConfigError(error);
    else logError("worker cannot start", error);
    process.exit(1);
  }
  if (!config.databaseUrl) {
    logConfigError(
      new ConfigError(
        "The worker needs the PostgreSQL store: set DATABASE_URL (and ROTOR_MASTER_KEY) as for the Rotor server. " +
          "The embedded store (ROTOR_DATA_DIR) belongs to the one Rotor server process, which already runs the scheduler.",
      ),
    );
    process.exit(2);
  }
  const app = await getAppContext();
  const scheduler = new Scheduler(app, schedulerOptionsFromEnv(config));
  const recovery = await recoverInterruptedRuns(app);
  scheduler.start();
  for (const run of recovery.resumed) scheduler.adopt(run.completion);
  logInfo(`worker ${scheduler.owner} ready (concurrency ${config.scheduler.concurrency}, poll ${config.scheduler.pollMs} ms)`);

  const shutdown = async (signal: NodeJS.Signals) => {
    logInfo(`${signal}: stopping (running rotations get up to ${config.scheduler.shutdownGraceMs / 1000} s)`);
    const { stillRunning } = await scheduler.stop();
    logInfo(`worker stopped ${JSON.stringify({ ...scheduler.stats, stillRunning })}`);
    await (await getStore()).close().catch(() => undefined);
    process.exit(0);
  };
  onShutdownSignals({
    onFirst: (signal) => void shutdown(signal),
    onRepeat: (signal) => logInfo(`${signal} again (the same request, forwarded): still stopping gracefully`),
    onForce: (signal) => {
      logInfo(`${signal} again: exiting now; running rotations will be resumed at the next start or by another scheduler`);
      process.exit(130);
    },
  });
}

main().catch((error) => {
  if (error instanceof ConfigError) logConfigError(error);
  else logError("worker cannot start", error);
  process.exit(1);
});
