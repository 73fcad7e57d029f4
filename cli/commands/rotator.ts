/** `rotor rotator create|ls|rollback`. */
import { Command, Option } from "commander";
import { pathOf } from "../api-client";
import type { List, Rotator } from "../api-types";
import { signedInClient } from "../context";
import { collect, positiveInteger } from "../arguments";
import { CliError, EXIT } from "../errors";
import { ask, isInteractive } from "../prompt";
import { collectInputs, readObjectFile } from "../inputs";
import { note, outputOption, printJson, printLine, printTable, shortTime, type OutputFormat } from "../output";

interface CreateOptions {
  type: string;
  inputsFile?: string;
  input: string[];
  rawInput: string[];
  importFile?: string;
  loginProvider?: string;
  connector?: string;
  output: OutputFormat;
}

export function rotatorCommand(): Command {
  const rotator = new Command("rotator").description("Rotators of an environment: create, list, roll back");

  rotator
    .command("create")
    .description("Add a rotator to an environment (Rotor checks the inputs with the same rules as the form)")
    .argument("<environment>")
    .argument("<name>", "letters, digits, _ and - (starting with a letter or _): its key in the environment")
    .requiredOption("-t, --type <type>", "postgres, mysql, aws-iam, password, …")
    .option("--inputs-file <file>", "the inputs as JSON or YAML (- for stdin)")
    .option("-i, --input <key=value>", "one input, dotted keys for nested ones; true/false/null/numbers are typed, @file reads a file (repeatable)", collect, [] as string[])
    .option("--raw-input <key=value>", "one input taken as a string exactly as given (repeatable)", collect, [] as string[])
    .option("--import-file <file>", "existing credentials to start from: {current: {...}, previous: {...}} as JSON or YAML")
    .option("--login-provider <name>", "aws-iam: the AWS login to use")
    .option("--connector <name>", "postgres/mysql: reach the database through this connector")
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Secrets given with --input are visible in the process list and your shell history: put them in --inputs-file.

Examples:
  rotor rotator create prod-app app-db --type postgres --inputs-file app-db.yaml
  rotor rotator create prod-app api-key --type password --input passwordRules.length=40`,
    )
    .action(async (environment: string, name: string, options: CreateOptions) => {
      const inputs = await collectInputs(options);
      const importState = options.importFile ? await readObjectFile(options.importFile, "credentials (current, previous)") : undefined;
      const created = await signedInClient().post<Rotator>(`${pathOf("environments", environment)}/rotators`, {
        name,
        type: options.type,
        inputs,
        ...(importState ? { importState } : {}),
        ...(options.loginProvider ? { loginProvider: options.loginProvider } : {}),
        ...(options.connector ? { connector: options.connector } : {}),
      });
      if (options.output === "json") return printJson(created);
      printLine(`Created rotator ${created.name} (${created.type}) in ${environment}: ${created.status}.`);
    });

  rotator
    .command("ls")
    .description("List the rotators of an environment with their status")
    .argument("<environment>")
    .addOption(outputOption())
    .action(async (environment: string, options: { output: OutputFormat }) => {
      const { items } = await signedInClient().get<List<Rotator>>(`${pathOf("environments", environment)}/rotators`);
      if (options.output === "json") return printJson(items);
      if (!items.length) return note(`${environment} has no rotators yet: add one with \`rotor rotator create\`.`);
      printTable(
        ["NAME", "TYPE", "STATUS", "CURRENT", "LAST ROTATED", "NEXT ROTATION", "ID"],
        items.map((r) => [r.name, r.type, r.status, r.current?.username ?? r.current?.accessKeyId, shortTime(r.lastRotatedAt), shortTime(r.nextRotationAt), r.id]),
      );
    });

  rotator
    .command("rollback")
    .description("Make the previous credential current again (for a consumer that broke after a rotation); Rotor proves it still works first")
    .argument("<environment>")
    .argument("<name>")
    .option("-y, --yes", "do not ask for confirmation (needed without a terminal)")
    .addOption(new Option("--expected-revision <n>", "the revision you looked at: refused (exit 6) if a rotation or rollback replaced the credential since").argParser(positiveInteger))
    .addOption(outputOption())
    .action(async (environment: string, name: string, options: { yes?: boolean; expectedRevision?: number; output: OutputFormat }) => {
      const client = signedInClient();
      const { items } = await client.get<List<Rotator>>(`${pathOf("environments", environment)}/rotators`);
      const target = items.find((r) => r.name === name);
      if (!target) throw new CliError(`${environment} has no rotator ${name} (\`rotor rotator ls ${environment}\` lists them).`, EXIT.notFound);
      if (!options.yes) {
        if (!isInteractive()) throw new CliError(`Rolling back ${name} needs confirmation: add --yes.`, EXIT.usage);
        const typed = await ask(`Consumers get ${name}'s previous credential back. Type the rotator's name (${name}) to roll back: `);
        if (typed !== name) throw new CliError("The name did not match: nothing was rolled back.", EXIT.usage);
      }
      const rolledBack = await client.post<Rotator>(`${pathOf("rotators", target.id)}/rollback`, options.expectedRevision ? { expectedRevision: options.expectedRevision } : {});
      if (options.output === "json") return printJson(rolledBack);
      const current = rolledBack.current?.username ?? rolledBack.current?.accessKeyId;
      printLine(`Rolled back ${name} in ${environment}: the previous credential${current ? ` (${current})` : ""} is current again.`);
    });

  return rotator;
}

