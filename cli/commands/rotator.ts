/** `rotor rotator create|ls`. */
import { Command } from "commander";
import { pathOf } from "../api-client";
import type { List, Rotator } from "../api-types";
import { signedInClient } from "../context";
import { collect } from "../arguments";
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
  const rotator = new Command("rotator").description("Rotators of an environment: create, list");

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

  return rotator;
}

