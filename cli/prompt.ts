/** Asking the person at the terminal, and reading what a script pipes in. */
import { read } from "read";
import { CliError, EXIT } from "./errors";

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** A question on the terminal (on stderr, so stdout stays data); `secret` does not echo what is typed. */
export async function ask(prompt: string, { secret = false }: { secret?: boolean } = {}): Promise<string> {
  if (!isInteractive()) {
    throw new CliError(`${prompt.replace(/:\s*$/, "")} is needed and there is no terminal to ask on.`, EXIT.usage);
  }
  try {
    const answer = await read({ prompt, silent: secret, replace: "", output: process.stderr });
    if (secret) process.stderr.write("\n"); // the Enter that was not echoed
    return answer.trim();
  } catch (error) {
    // read rejects with "canceled" on Ctrl-C / Ctrl-D.
    throw new CliError(`Cancelled (${(error as Error).message}).`, EXIT.usage);
  }
}

/** All of stdin as text, without the one trailing newline that `echo` and heredocs add. */
export async function readStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) {
    throw new CliError(`Reading ${what} from stdin, but stdin is a terminal: pipe it in, e.g. \`… | rotor …\`.`, EXIT.usage);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}
