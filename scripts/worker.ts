/**
 * `npm run worker`: an extra scheduler process beside the Rotor server(s), for more rotation throughput or
 * to keep web and scheduling apart (ROTOR_SCHEDULER=off on the web servers). Same configuration as the
 * server (DATABASE_URL, ROTOR_MASTER_KEY, ROTOR_SCHEDULER_*, ...). PostgreSQL only: the embedded store
 * belongs to one process. Any number of workers may run; each due rotation runs exactly once (row leases).
 *
 * Runs under tsx with the `react-server` condition, which resolves the `server-only` guard of Rotor's server
 * modules to its empty server build (package.json: "worker").
 *
 * SIGTERM/SIGINT: stop claiming, let running rotations finish (ROTOR_SHUTDOWN_GRACE_SECONDS), exit. A second
 * signal exits at once; what was running is resumed later by another scheduler.
 */
import { ConfigError, env } from "../lib/env";
import { getAppContext } from "../lib/app-context";
import { getStore } from "../lib/db/client";
import { Scheduler } from "../lib/schedules/scheduler";
import { schedulerOptionsFromEnv } from "../lib/schedules/config";
import { logConfigError, logError, logInfo } from "../lib/log";

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
  scheduler.start();
  logInfo(`worker ${scheduler.owner} ready (concurrency ${config.scheduler.concurrency}, poll ${config.scheduler.pollMs} ms)`);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logInfo(`${signal} again: exiting now; running rotations will be resumed by another scheduler`);
      process.exit(130);
    }
    stopping = true;
    logInfo(`${signal}: stopping (running rotations get up to ${config.scheduler.shutdownGraceMs / 1000} s)`);
    const { stillRunning } = await scheduler.stop();
    logInfo(`worker stopped ${JSON.stringify({ ...scheduler.stats, stillRunning })}`);
    await (await getStore()).close().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGTERM", (s) => void shutdown(s));
  process.on("SIGINT", (s) => void shutdown(s));
}

main().catch((error) => {
  if (error instanceof ConfigError) logConfigError(error);
  else logError("worker cannot start", error);
  process.exit(1);
});
