/** The `rotor` command tree. */
import { Command } from "commander";
import { CLI_VERSION } from "./api-client";
import { loginCommand, logoutCommand, whoamiCommand } from "./commands/auth";
import { envCommand } from "./commands/env";
import { exportCommand, importCommand } from "./commands/esc";
import { rotatorCommand } from "./commands/rotator";
import { runCommand } from "./commands/run";
import { tokenCommand } from "./commands/token";
import { EXIT_CODES_HELP } from "./errors";

export function buildProgram(): Command {
  const program = new Command("rotor")
    .description("Command line for Rotor: read rotated credentials, run programs with them, rotate")
    .version(CLI_VERSION, "-V, --version")
    .addHelpText(
      "after",
      `
Environment:
  ROTOR_URL      Rotor's address (overrides the one \`rotor login\` stored)
  ROTOR_TOKEN    an API token (overrides the stored one), e.g. a service token in CI

${EXIT_CODES_HELP}`,
    );
  for (const command of [loginCommand(), logoutCommand(), whoamiCommand(), envCommand(), rotatorCommand(), tokenCommand(), runCommand(), importCommand(), exportCommand()]) {
    program.addCommand(command);
  }
  // Every (sub)command reports usage errors through main's handler, with exit code 2.
  const configure = (command: Command) => {
    command.exitOverride().showHelpAfterError("(add --help for usage)");
    command.commands.forEach(configure);
  };
  configure(program);
  return program;
}
