/** `rotor import esc <file.yaml>…` and `rotor export esc <environment>`: Pulumi ESC definitions in and out. */
import fs from "node:fs";
import { Command } from "commander";
import { pathOf } from "../api-client";
import type { EscExport, EscImportPreview } from "../api-types";
import { formatProblem } from "../../lib/esc/problems";
import { signedInClient } from "../context";
import { collect } from "../arguments";
import { parseAssignment } from "../inputs";
import { readStdin } from "../prompt";
import { CliError, EXIT } from "../errors";
import { note, outputOption, printJson, printLine, type OutputFormat } from "../output";

function printPreview(preview: EscImportPreview) {
  const verb = preview.created ? "Created" : "Would create";
  for (const login of preview.logins) printLine(`${verb} AWS login ${login.name} (${login.kind})`);
  for (const connector of preview.connectors) printLine(`${verb} connector ${connector.name} (${connector.mode}, ${connector.functionArn})`);
  for (const env of preview.environments) {
    printLine(`${verb} environment ${env.name} (from ${env.file})`);
    for (const value of env.values) printLine(`  value ${value.key}${value.secret ? " (secret)" : ""}${value.copiedFrom ? `, copied from ${value.copiedFrom}` : ""}`);
    for (const rotator of env.rotators) {
      const via = [rotator.login && `login ${rotator.login}`, rotator.connector && `connector ${rotator.connector}`].filter(Boolean).join(", ");
      const state = rotator.state.current ? `, state imported (${rotator.state.previous ? "current and previous" : "current"})` : "";
      printLine(`  rotator ${rotator.name} (${rotator.type})${via ? ` via ${via}` : ""}${state}`);
    }
    for (const [name, template] of Object.entries(env.exports)) printLine(`  exported variable ${name} = ${template}`);
  }
  for (const n of preview.notes) note(`note: ${formatProblem(n)}`);
}

export function importCommand(): Command {
  const command = new Command("import").description("Bring environments into Rotor from elsewhere");
  command
    .command("esc")
    .description("Import Pulumi ESC environment definitions (YAML): values, rotators, AWS logins and connectors, in one transaction")
    .argument("<file...>", "ESC definitions (`esc env get <org>/<project>/<env> --definition --show-secrets`); - for stdin")
    .option("-n, --name <file=environment>", "the environment a file becomes (default: the file name without .yaml); repeatable", collect, [] as string[])
    .option("--dry-run", "show what would be created, and every problem, without creating anything")
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
References between the files (\${environments.<project>.<env>.<path>}) are resolved; give the managing-credentials
environment's file together with the rotator environment's. Imported state is verified against its target first.
Nothing is created while any file has a problem; each is printed as file:line path: message.

Examples:
  rotor import esc managingCredentials.yaml app.yaml --dry-run
  rotor import esc app.yaml --name app.yaml=prod/app`,
    )
    .action(async (paths: string[], options: { name: string[]; dryRun?: boolean; output: OutputFormat }) => {
      const names = new Map(options.name.map((text) => parseAssignment(text, "--name")));
      const files = [];
      for (const file of paths) {
        let content: string;
        try {
          content = file === "-" ? await readStdin("an ESC definition") : fs.readFileSync(file, "utf8");
        } catch (error) {
          if (error instanceof CliError) throw error;
          throw new CliError(`Cannot read ${file}: ${(error as Error).message}`, EXIT.usage);
        }
        const label = file === "-" ? "stdin.yaml" : file;
        const environment = names.get(file) ?? (file === "-" ? undefined : names.get(label.split("/").pop()!));
        files.push({ file: label, content, ...(environment ? { environment } : {}) });
      }
      for (const name of names.keys()) {
        if (!paths.includes(name) && !paths.some((p) => p.split("/").pop() === name)) throw new CliError(`--name ${name}=…: ${name} is not one of the files.`, EXIT.usage);
      }
      const preview = await signedInClient().post<EscImportPreview>("/import/esc", { files, dryRun: Boolean(options.dryRun) });
      if (options.output === "json") printJson(preview);
      else printPreview(preview);
      if (!preview.ok) {
        for (const p of preview.problems) note(formatProblem(p));
        throw new CliError(`Nothing would be imported: ${preview.problems.length} problem${preview.problems.length === 1 ? "" : "s"} to fix first.`, EXIT.usage);
      }
    });
  return command;
}

export function exportCommand(): Command {
  const command = new Command("export").description("Write an environment in another tool's format");
  command
    .command("esc")
    .description("An environment as a Pulumi ESC definition (YAML), in ESC's documented shapes")
    .argument("<environment>")
    .option("--show-secrets", "include secret values, secret inputs and state (admin only; audited)")
    .option("-f, --file <file>", "write the YAML to this file (mode 0600) instead of stdout")
    .action(async (environment: string, options: { showSecrets?: boolean; file?: string }) => {
      const out = await signedInClient().get<EscExport>(`${pathOf("environments", environment)}/esc`, { showSecrets: options.showSecrets ? "true" : undefined });
      if (options.file) {
        fs.writeFileSync(options.file, out.yaml, { mode: 0o600 });
        note(`Wrote ${options.file}.`);
      } else process.stdout.write(out.yaml);
      if (out.omitted.length) note(`Not in the file: ${out.omitted.join("; ")}.`);
    });
  return command;
}
