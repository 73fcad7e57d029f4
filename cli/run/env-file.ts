/**
 * With `--signal`, the child is not restarted, so its environment cannot change: it re-reads the exported
 * variables from the file named by ROTOR_ENV_FILE (dotenv, written by the same code as `rotor env open
 * --format dotenv`), which `rotor run` rewrites atomically before each signal. The file is 0600 in a private 0700
 * directory (under XDG_RUNTIME_DIR when there is one: memory, not disk) and removed when `rotor run` ends.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { toDotenv, UnrepresentableValueError } from "../../lib/environments/formats";
import { CliError } from "../errors";

export class EnvFile {
  private constructor(
    private readonly dir: string,
    readonly path: string,
  ) {}

  static create(env: Record<string, string | undefined> = process.env): EnvFile {
    const runtime = env.XDG_RUNTIME_DIR && fs.existsSync(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : os.tmpdir();
    const dir = fs.mkdtempSync(path.join(runtime, "rotor-run-"));
    fs.chmodSync(dir, 0o700);
    return new EnvFile(dir, path.join(dir, "env"));
  }

  /**
   * Replaces the file in one rename: the child never reads half a file. A value no dotenv quoting keeps
   * exactly is refused (CliError) rather than written differently.
   */
  write(variables: Record<string, string>): void {
    let text: string;
    try {
      text = toDotenv(variables);
    } catch (error) {
      if (error instanceof UnrepresentableValueError) throw new CliError(`${error.message.replace(/; use .*$/, "")}: it cannot go into $ROTOR_ENV_FILE.`);
      throw error;
    }
    const temporary = `${this.path}.${Date.now()}.tmp`;
    fs.writeFileSync(temporary, text, { mode: 0o600 });
    fs.renameSync(temporary, this.path);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
