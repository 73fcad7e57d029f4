/**
 * Entry point of the `rotor` CLI (`npm run rotor -- …` from a checkout; `npm run build:cli` bundles it into
 * dist/rotor.mjs, one file for Node 20+). Every failure ends here: one line (or a few, for field errors) on
 * stderr and the exit code of errors.ts.
 */
import { CommanderError } from "commander";
import { buildProgram } from "./program";
import { CliError, EXIT, redactTokens } from "./errors";

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (error instanceof CliError) {
      process.stderr.write(`rotor: ${redactTokens(error.message)}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(`rotor: unexpected error: ${redactTokens(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
    process.exitCode = EXIT.failure;
  }
}

void main(process.argv);
