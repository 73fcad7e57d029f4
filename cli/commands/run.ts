/**
 * `rotor run <env> [--watch] -- <command> [args…]`: the command runs with the environment's exported
 * variables added to its own, and `rotor run` ends with its exit status. With --watch it follows the
 * environment and restarts (or signals) the command when a revision changes those variables; see
 * run/reloader.ts for when, and run/supervisor.ts for how.
 *
 * It never starts the command without a complete environment: when the first open fails it exits with
 * the error's code and the command never runs. After that, Rotor being unreachable only delays updates.
 */
import { Command, Option } from "commander";
import { signedInClient } from "../context";
import { parseDuration, parseRevision, parseSignal } from "../arguments";
import { openEnvironment } from "../environment-open";
import { CliError, EXIT, redactTokens } from "../errors";
import { EnvFile } from "../run/env-file";
import { Refresher } from "../run/refresher";
import { Reloader } from "../run/reloader";
import { exitCodeOf, PASSED_ON_SIGNALS, SHUTDOWN_SIGNALS, Supervisor, type ChildExit } from "../run/supervisor";
import { followEnvironment } from "../watch-stream";

interface RunOptions {
  watch?: boolean;
  signal?: NodeJS.Signals;
  jitter: number;
  grace: number;
  revision?: number;
}

const log = (line: string) => process.stderr.write(`rotor: ${redactTokens(line)}\n`);

export function runCommand(): Command {
  return new Command("run")
    .description("Run a command with the environment's exported variables; with --watch, restart it when they rotate")
    .argument("<environment>", "the environment to open")
    .argument("<command...>", "the command and its arguments (put -- before it when it has options)")
    .option("-w, --watch", "follow the environment: restart the command (or signal it) when a revision changes its variables")
    .addOption(new Option("--signal <signal>", "with --watch: send this signal instead of restarting (the command re-reads $ROTOR_ENV_FILE)").argParser(parseSignal))
    .addOption(new Option("--jitter <duration>", "with --watch: wait a random time up to this before restarting, so a fleet spreads out").default(30_000, "30s").argParser(parseDuration))
    .addOption(new Option("--grace <duration>", "time the command gets to exit after SIGTERM before SIGKILL").default(10_000, "10s").argParser(parseDuration))
    .addOption(new Option("--revision <n>", "run with this revision (not with --watch)").argParser(parseRevision))
    .addHelpText(
      "after",
      `
The command gets the exported variables (rotor env open --format dotenv shows them) on top of rotor's own
environment. rotor run passes SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1 and SIGUSR2 on to it and exits with
its exit code (128+N when it died of signal N). Before the command starts, rotor's own exit codes apply.

With --watch, rotor follows the environment (reconnecting when Rotor is unreachable; the command keeps
running) and, when a revision changes the variables, restarts the command after a random delay within
--jitter: SIGTERM, up to --grace to exit, SIGKILL, then it starts again with the new values. The delay is
cut short when the command's credential would otherwise stop working (previousValidUntil), or has already
been retired. With --signal, rotor writes the new values to $ROTOR_ENV_FILE (dotenv) and sends the signal.

Examples:
  rotor run prod-app -- node server.js
  rotor run prod-app --watch --jitter 30s -- node server.js
  rotor run prod-app --watch --signal SIGHUP -- ./worker --config app.yaml`,
    )
    .action(async (environment: string, commandLine: string[], options: RunOptions) => {
      if (!options.watch && options.signal) throw new CliError("--signal is for --watch: without it nothing changes while the command runs.", EXIT.usage);
      if (options.watch && options.revision) throw new CliError("--revision pins an old revision; --watch follows new ones: use one of them.", EXIT.usage);
      const code = await runWithEnvironment(environment, commandLine, options);
      await exitWith(code);
    });
}

async function runWithEnvironment(environment: string, [command, ...args]: string[], options: RunOptions): Promise<ChildExit> {
  const client = signedInClient();
  const first = await openEnvironment(client, environment, { revision: options.revision });
  if (Object.keys(first.exports).length === 0) {
    log(`${environment} exports no variables (set them on its page, or with the API): the command gets none`);
  }
  const envFile = options.signal ? EnvFile.create() : undefined;
  const stop = new AbortController();
  let reloader: Reloader | undefined;
  let fatal: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fatal = reject));
  failed.catch(() => {}); // a late failure, after the command has ended, is not an unhandled rejection
  const supervisor = new Supervisor({
    command,
    args,
    baseEnv: envFile ? { ...process.env, ROTOR_ENV_FILE: envFile.path } : process.env,
    graceMs: options.grace,
    log,
  });

  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of [...SHUTDOWN_SIGNALS, ...PASSED_ON_SIGNALS]) {
    const handler = SHUTDOWN_SIGNALS.includes(signal)
      ? () => {
          stop.abort();
          reloader?.close();
          supervisor.shutdown(signal);
        }
      : () => void supervisor.signal(signal);
    handlers.set(signal, handler);
    process.on(signal, handler);
  }

  try {
    envFile?.write(first.exports);
    await supervisor.start(first.exports);
    if (options.watch) {
      log(`started ${command} (pid ${supervisor.pid}) with revision ${first.revision} of ${environment}; watching for new revisions`);
      reloader = new Reloader({
        running: first,
        jitterMs: options.jitter,
        graceMs: options.grace,
        log,
        onFatal: fatal,
        apply: async (doc) => {
          if (options.signal) {
            try {
              envFile!.write(doc.exports);
            } catch (error) {
              if (!(error instanceof CliError)) throw error;
              log(`revision ${doc.revision}: ${error.message} The command keeps the values it has.`);
              return;
            }
            supervisor.signal(options.signal);
            log(`revision ${doc.revision}: wrote ${envFile!.path} and sent ${options.signal} to pid ${supervisor.pid}`);
            return;
          }
          log(`revision ${doc.revision}: restarting ${command} (SIGTERM, up to ${options.grace / 1000} s to exit)`);
          await supervisor.restart(doc.exports);
          if (supervisor.pid) log(`started ${command} (pid ${supervisor.pid}) with revision ${doc.revision}`);
        },
      });
      const refresher = new Refresher({ client, environment, revision: first.revision, onDocument: (doc) => reloader?.offer(doc), log, signal: stop.signal });
      let disconnected = false;
      followEnvironment({
        client,
        environment,
        lastEventId: String(first.revision),
        signal: stop.signal,
        onEvent: (event) => {
          if (event.type === "deleted") log(`${environment} was deleted: the command keeps its values; no more updates`);
          else refresher.want(event.data.revision);
        },
        onConnection: (change) => {
          if (change.state === "connected") {
            if (disconnected) log(`watching ${environment} again`);
            disconnected = false;
            return;
          }
          // One line per outage, then one every few attempts: a long outage must not flood the log.
          if (!disconnected || change.failures % 5 === 0) {
            log(`lost the watch on ${environment} (${change.reason}); the command keeps running; reconnecting in ${(change.retryInMs / 1000).toFixed(1)} s`);
          }
          disconnected = true;
        },
      }).catch(fatal);
    }
    return await Promise.race([supervisor.finished, failed]);
  } finally {
    stop.abort();
    reloader?.close();
    // Ending on an error (not the command's exit): never leave the command running without rotor.
    await supervisor.stop();
    envFile?.remove();
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

/** Ends rotor as the child ended: the same exit code, or the same signal (the shell then sees it too). */
async function exitWith(exit: ChildExit): Promise<never> {
  if (exit.signal && exit.code === null) {
    process.kill(process.pid, exit.signal);
    // A signal whose default action is not to terminate (or one still handled): fall back to the code.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.exit(exitCodeOf(exit));
}
