import "server-only";
/**
 * What happens once when a Rotor server process starts: validate configuration, open and migrate the store,
 * check the master key against the data, and print the first-run setup link when nobody can sign in yet.
 * A configuration problem stops the process with a message that says what to fix.
 */
import { ConfigError, env } from "./env";
import { getAppContext } from "./app-context";
import { bootstrapAdminIfNeeded, issueSetupTokenIfNeeded } from "./users/setup";
import { logConfigError, logError, logInfo, logSetupUrl } from "./log";
import { getProcessScheduler, startServerScheduler } from "./schedules/server";
import { recoverInterruptedRuns } from "./rotation/recovery";
import { compactRevisionSnapshots } from "./environments/revisions";
import { heapCompactor } from "./heap-compaction";

export async function startRotor(): Promise<void> {
  try {
    const config = env();
    const app = await getAppContext();
    const { db } = app;
    logInfo(`store: ${config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `embedded PGlite in ${config.dataDir}`}`);
    if (config.bootstrapAdmin) {
      const outcome = await bootstrapAdminIfNeeded({ db, admin: config.bootstrapAdmin });
      logInfo(
        outcome === "created"
          ? `created the first admin ${config.bootstrapAdmin.email} (ROTOR_ADMIN_EMAIL)`
          : "ROTOR_ADMIN_EMAIL is set but users already exist: ignored (change passwords in the dashboard)",
      );
    }
    const setupUrl = await issueSetupTokenIfNeeded({ db });
    if (setupUrl) logSetupUrl(setupUrl);
    // Revisions written before deltas existed are whole snapshots: turned into deltas in the background.
    void compactRevisionSnapshots({ db, keyring: app.keyring }).then(
      (converted) => converted > 0 && logInfo(`stored ${converted} older environment revisions as deltas`),
      (error) => logError("converting older environment revisions failed (they still open as they are)", error),
    );
    // What this instance's previous process left running: resumed here, or handed back to the schedulers.
    const recovery = await recoverInterruptedRuns(app);
    // Schedules, retries and notifications: the in-process scheduler, unless ROTOR_SCHEDULER=off.
    await startServerScheduler();
    for (const run of recovery.resumed) {
      const scheduler = getProcessScheduler();
      if (scheduler) scheduler.adopt(run.completion);
      else run.completion.catch((error) => logError(`resumed run ${run.runId} ended unexpectedly`, error, { runId: run.runId }));
    }
    // Starting (opening and migrating the store, loading the server's code) is a burst of garbage of its own.
    heapCompactor.afterBurst();
  } catch (error) {
    if (error instanceof ConfigError) {
      logConfigError(error);
    } else {
      logError("Rotor cannot start", error);
    }
    process.exit(1);
  }
}
