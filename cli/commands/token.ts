/** `rotor token create|ls|revoke`: service tokens for applications and CI, personal tokens for people. */
import { Command, Option } from "commander";
import { collect, isoTime, parseDuration } from "../arguments";
import { pathOf } from "../api-client";
import type { CreatedToken, List, Scope, Token } from "../api-types";
import { signedInClient } from "../context";
import { CliError, EXIT } from "../errors";
import { note, outputOption, printJson, printLine, printTable, shortTime, type OutputFormat } from "../output";
import { describeAccess } from "./auth";

interface CreateOptions {
  scope?: Scope;
  environment: string[];
  allEnvironments?: boolean;
  personal?: boolean;
  expiresIn?: number;
  expiresAt?: string;
  output: OutputFormat;
}

export function tokenCommand(): Command {
  const token = new Command("token").description("API tokens: create, list, revoke");

  token
    .command("create")
    .description("Create a service token (scoped to environments) or, with --personal, a token with your own role")
    .argument("<name>", "what it is for, e.g. ci-deploy")
    .addOption(new Option("--scope <scope>", "read: open environments; rotate: read + rotate + runs; admin: everything").choices(["read", "rotate", "admin"]))
    .option("-e, --environment <name>", "an environment it may use (repeatable)", collect, [] as string[])
    .option("--all-environments", "it may use every environment, also ones created later")
    .option("--personal", "a personal token carrying your role (no scope, no environment list)")
    .addOption(new Option("--expires-in <duration>", "expire after e.g. 30d, 12h").argParser(parseDuration))
    .addOption(new Option("--expires-at <time>", "expire at this time (ISO 8601)").argParser(isoTime))
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
The token is printed once, on stdout (everything else goes to stderr), and Rotor keeps only a hash of it.

Examples:
  rotor token create ci-deploy --scope read --environment prod-app --expires-in 90d
  ROTOR_TOKEN=$(rotor token create nightly --scope rotate --all-environments)`,
    )
    .action(async (name: string, options: CreateOptions) => {
      if (options.expiresIn !== undefined && options.expiresAt) throw new CliError("Give --expires-in or --expires-at, not both.", EXIT.usage);
      if (options.personal && (options.scope || options.environment.length || options.allEnvironments)) {
        throw new CliError("A personal token carries your role: it takes no --scope or environments.", EXIT.usage);
      }
      if (!options.personal) {
        if (!options.scope) throw new CliError("Say what the token may do: --scope read, rotate or admin.", EXIT.usage);
        if (!options.environment.length && !options.allEnvironments) {
          throw new CliError("Say which environments it may use: --environment NAME (repeatable) or --all-environments.", EXIT.usage);
        }
        if (options.environment.length && options.allEnvironments) throw new CliError("Give --environment or --all-environments, not both.", EXIT.usage);
      }
      const expiresAt = options.expiresAt ?? (options.expiresIn !== undefined ? new Date(Date.now() + options.expiresIn).toISOString() : null);
      const created = await signedInClient().post<CreatedToken>("/tokens", {
        name,
        kind: options.personal ? "personal" : "service",
        ...(options.personal ? {} : { scope: options.scope, environments: options.allEnvironments ? "*" : options.environment }),
        expiresAt,
      });
      if (options.output === "json") return printJson(created);
      note(`Created ${describeAccess(created.tokenInfo)}, expires ${shortTime(created.tokenInfo.expiresAt) || "never"}.`);
      note("Copy the token now: Rotor shows it only once.");
      printLine(created.token);
    });

  token
    .command("ls")
    .description("List tokens (admins see all; others their own personal tokens)")
    .option("-a, --all", "include revoked and expired tokens")
    .addOption(outputOption())
    .action(async (options: { all?: boolean; output: OutputFormat }) => {
      const { items } = await signedInClient().get<List<Token>>("/tokens");
      const now = Date.now();
      const shown = options.all ? items : items.filter((t) => !t.revokedAt && !(t.expiresAt && Date.parse(t.expiresAt) <= now));
      if (options.output === "json") return printJson(shown);
      if (!shown.length) return note("No tokens.");
      printTable(
        ["ID", "NAME", "KIND", "PREFIX", "ACCESS", "ENVIRONMENTS", "EXPIRES", "LAST USED", "OWNER", ...(options.all ? ["REVOKED"] : [])],
        shown.map((t) => [
          t.id,
          t.name,
          t.kind,
          t.prefix,
          t.scope ?? t.role,
          t.environments === "*" ? "all" : t.environments.join(","),
          shortTime(t.expiresAt) || "never",
          shortTime(t.lastUsedAt) || "never",
          t.owner,
          ...(options.all ? [shortTime(t.revokedAt)] : []),
        ]),
      );
    });

  token
    .command("revoke")
    .description("Revoke a token at once (by id, see `rotor token ls`)")
    .argument("<id>")
    .action(async (id: string) => {
      await signedInClient().delete(pathOf("tokens", id));
      printLine(`Revoked token ${id}.`);
    });

  return token;
}
