/** `rotor env …`: environments, their values and exported variables, opening, rotating and history. */
import { Command, Option } from "commander";
import { collect, parseDuration, parseRevision, positiveInteger } from "../arguments";
import { pathOf } from "../api-client";
import type { Environment, EnvironmentSummary, List, RotateResponse, Run } from "../api-types";
import { signedInClient } from "../context";
import { resolveDocumentPath, formatValue } from "../document-path";
import { OPEN_FORMATS, openEnvironment, openEnvironmentText, type OpenFormat } from "../environment-open";
import { CliError, EXIT } from "../errors";
import { parseAssignment } from "../inputs";
import { note, outputOption, printJson, printLine, printTable, shortTime, type OutputFormat } from "../output";
import { ask, isInteractive, readStdin } from "../prompt";
import { waitForRuns } from "../rotate-progress";

const envPath = (name: string) => pathOf("environments", name);

export function envCommand(): Command {
  const env = new Command("env").description("Environments: list, create, delete, set values, open, get, rotate, history");

  env
    .command("ls")
    .description("List the environments you may use")
    .addOption(outputOption())
    .action(async (options: { output: OutputFormat }) => {
      const { items } = await signedInClient().get<List<EnvironmentSummary>>("/environments");
      if (options.output === "json") return printJson(items);
      if (!items.length) return note("No environments yet: create one with `rotor env create <name>`.");
      printTable(
        ["NAME", "REVISION", "ROTATORS", "UPDATED", "DESCRIPTION"],
        items.map((e) => [e.name, e.revision, e.rotators, shortTime(e.updatedAt), e.description]),
      );
    });

  env
    .command("create")
    .description("Create an environment")
    .argument("<name>", "letters, digits and . _ - / (starting with a letter or digit)")
    .option("-d, --description <text>", "what it is for", "")
    .addOption(outputOption())
    .action(async (name: string, options: { description: string; output: OutputFormat }) => {
      const created = await signedInClient().post<Environment>("/environments", { name, description: options.description });
      if (options.output === "json") return printJson(created);
      printLine(`Created environment ${created.name} (revision ${created.revision}).`);
    });

  env
    .command("delete")
    .description("Delete an environment with its rotators, values and history (the rotated users are left as they are)")
    .argument("<name>")
    .option("-y, --yes", "do not ask for confirmation (needed without a terminal)")
    .action(async (name: string, options: { yes?: boolean }) => {
      if (!options.yes) {
        if (!isInteractive()) throw new CliError(`Deleting ${name} needs confirmation: add --yes.`, EXIT.usage);
        const typed = await ask(`Type the environment's name (${name}) to delete it: `);
        if (typed !== name) throw new CliError("The name did not match: nothing was deleted.", EXIT.usage);
      }
      await signedInClient().delete(envPath(name));
      printLine(`Deleted environment ${name}.`);
    });

  env
    .command("set")
    .description("Set a value (plain, or secret with --secret); without <value>, read it from stdin or ask")
    .argument("<environment>")
    .argument("<key>", "letters, digits, _ . - (starting with a letter or _)")
    .argument("[value]", "the value; omit it (or give -) to read stdin, or to be asked without echo on a terminal")
    .option("-s, --secret", "a secret value: encrypted, never listed, readable only by opening the environment")
    .addOption(outputOption())
    .addHelpText("after", "\nA value given as an argument is visible in the process list and your shell history: use stdin for secrets.")
    .action(async (environment: string, key: string, value: string | undefined, options: { secret?: boolean; output: OutputFormat }) => {
      let text = value;
      if (text === undefined || text === "-") {
        text = process.stdin.isTTY ? await ask(`Value of ${key}: `, { secret: Boolean(options.secret) }) : await readStdin(`the value of ${key}`);
      }
      const result = await signedInClient().put<{ key: string; secret: boolean; revision: number }>(`${envPath(environment)}${pathOf("values", key)}`, {
        value: text,
        secret: Boolean(options.secret),
      });
      if (options.output === "json") return printJson(result);
      printLine(`Set ${result.key}${result.secret ? " (secret)" : ""} in ${environment}: revision ${result.revision}.`);
    });

  env
    .command("unset")
    .description("Remove a value")
    .argument("<environment>")
    .argument("<key>")
    .action(async (environment: string, key: string) => {
      await signedInClient().delete(`${envPath(environment)}${pathOf("values", key)}`);
      printLine(`Removed ${key} from ${environment}.`);
    });

  env
    .command("export")
    .description("List or change the exported variables (what `rotor run` and `open --format dotenv` give)")
    .argument("<environment>")
    .argument("[assignments...]", "NAME=TEMPLATE, e.g. 'DB_PASSWORD=${app-db.current.password}' (single quotes keep $ from the shell)")
    .option("--remove <name>", "remove this variable (repeatable)", collect, [] as string[])
    .addOption(outputOption())
    .action(async (environment: string, assignments: string[], options: { remove: string[]; output: OutputFormat }) => {
      const client = signedInClient();
      let current = await client.get<Environment>(envPath(environment));
      if (assignments.length || options.remove.length) {
        const exports = { ...current.exports };
        for (const name of options.remove) {
          if (!(name in exports)) throw new CliError(`${environment} exports no ${name}.`, EXIT.notFound);
          delete exports[name];
        }
        for (const assignment of assignments) {
          const [name, template] = parseAssignment(assignment, "NAME=TEMPLATE");
          exports[name] = template;
        }
        current = await client.patch<Environment>(envPath(environment), { exports });
      }
      if (options.output === "json") return printJson(current.exports);
      const entries = Object.entries(current.exports);
      if (!entries.length) return note(`${environment} exports no variables. Add one: rotor env export ${environment} 'DB_PASSWORD=\${app-db.current.password}'`);
      printTable(["NAME", "TEMPLATE"], entries);
    });

  env
    .command("open")
    .description("Print the environment document: values, each rotator's current and previous, exported variables")
    .argument("<environment>")
    .addOption(new Option("-f, --format <format>", "json, dotenv or shell (the exported variables), or yaml").choices(OPEN_FORMATS).default("json"))
    .addOption(new Option("--revision <n>", "an earlier revision").argParser(parseRevision))
    .addHelpText("after", "\nExamples:\n  rotor env open prod-app\n  eval \"$(rotor env open prod-app --format shell)\"\n  rotor env open prod-app --format dotenv > .env")
    .action(async (environment: string, options: { format: OpenFormat; revision?: number }) => {
      const text = await openEnvironmentText(signedInClient(), environment, options);
      process.stdout.write(text.endsWith("\n") || text === "" ? text : `${text}\n`);
    });

  env
    .command("get")
    .description("Print one value of the opened environment, e.g. app-db.current.password or values.api_key")
    .argument("<environment>")
    .argument("<path>", "<rotator>.current|previous.<field>, <rotator>.<metadata>, or values.<key>")
    .addOption(new Option("--revision <n>", "an earlier revision").argParser(parseRevision))
    .addOption(outputOption())
    .addHelpText("after", "\nExamples:\n  rotor env get prod-app app-db.current.password\n  rotor env get prod-app app-db.previousValidUntil\n  rotor env get prod-app values.region")
    .action(async (environment: string, path: string, options: { revision?: number; output: OutputFormat }) => {
      const doc = await openEnvironment(signedInClient(), environment, { revision: options.revision });
      const value = resolveDocumentPath(doc, path);
      if (options.output === "json") return printJson(value);
      printLine(formatValue(value));
    });

  env
    .command("rotate")
    .description("Rotate every rotator of the environment, or the ones named; --wait follows the runs to the end")
    .argument("<environment>")
    .argument("[rotators...]", "only these rotators")
    .option("--wait", "wait for the runs, showing their steps; exit 0 only if every run succeeded")
    .addOption(new Option("--timeout <duration>", "with --wait: give up after this long").default(600_000, "10m").argParser(parseDuration))
    .addOption(new Option("--expected-revision <n>", "the revision you looked at: refused (exit 6) if a rotation replaced a named rotator since, instead of rotating it twice").argParser(positiveInteger))
    .addOption(outputOption())
    .action(async (environment: string, rotators: string[], options: { wait?: boolean; timeout: number; expectedRevision?: number; output: OutputFormat }) => {
      const client = signedInClient();
      const started = await client.post<RotateResponse>(`${envPath(environment)}/rotate`, {
        ...(rotators.length ? { rotators } : {}),
        ...(options.expectedRevision ? { expectedRevision: options.expectedRevision } : {}),
      });
      const skipped = started.runs.filter((run) => run.status === "skipped");
      for (const run of skipped) note(`${run.rotator}: skipped: ${run.error?.message ?? "not started"}`);
      const ids = started.runs.flatMap((run) => (run.id ? [run.id] : []));
      // Progress goes to stderr (redrawn in place on a terminal); stdout gets the result only.
      const live = options.output === "text" && Boolean(process.stderr.isTTY);
      const runs: Run[] = options.wait && ids.length ? await waitForRuns(client, ids, { live, write: (text) => process.stderr.write(text), timeoutMs: options.timeout }) : [];
      if (options.output === "json") printJson(options.wait ? { batchId: started.batchId, runs, skipped } : started);
      else if (!options.wait) for (const run of started.runs) if (run.id) printLine(`${run.rotator}: ${run.status} (run ${run.id})`);
      const failed = runs.filter((run) => run.status !== "succeeded");
      if (failed.length) throw new CliError(`${failed.length} of ${runs.length} rotation${runs.length === 1 ? "" : "s"} failed: ${failed.map((r) => r.rotator).join(", ")}.`);
      if (skipped.length) {
        throw new CliError(`${skipped.map((r) => r.rotator).join(", ")} ${skipped.length === 1 ? "was" : "were"} not rotated (see above).`, EXIT.conflict);
      }
    });

  env
    .command("history")
    .description("Rotation runs of the environment, newest first")
    .argument("<environment>")
    .option("--rotator <name>", "only this rotator's runs")
    .addOption(new Option("--status <status>", "only runs with this status").choices(["pending", "running", "succeeded", "failed"]))
    .addOption(new Option("-n, --limit <n>", "at most this many runs").default(20).argParser(positiveInteger))
    .addOption(outputOption())
    .action(async (environment: string, options: { rotator?: string; status?: string; limit: number; output: OutputFormat }) => {
      const client = signedInClient();
      const runs: Run[] = [];
      let cursor: string | null | undefined;
      do {
        const page = await client.get<List<Run>>(`${envPath(environment)}/history`, { rotator: options.rotator, status: options.status, cursor });
        runs.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && runs.length < options.limit);
      const shown = runs.slice(0, options.limit);
      if (options.output === "json") return printJson(shown);
      if (!shown.length) return note(`No rotation runs in ${environment}${options.rotator ? ` for ${options.rotator}` : ""} yet.`);
      printTable(
        ["STARTED", "ROTATOR", "STATUS", "TRIGGER", "ACTOR", "DURATION", "REVISION", "RUN", "ERROR"],
        shown.map((run) => [
          shortTime(run.startedAt),
          run.rotator,
          run.status,
          run.trigger,
          run.actor,
          run.durationMs === null ? "" : `${(run.durationMs / 1000).toFixed(1)} s`,
          run.revisionAfter,
          run.id,
          run.error?.message,
        ]),
      );
    });

  return env;
}

