/**
 * Rotator inputs from the command line: `--inputs-file F` (JSON or YAML, `-` for stdin) and repeated
 * `--input key=value` / `--raw-input key=value` with dotted keys (`managing.password=…`), like the GitHub
 * CLI's `-F` (typed) and `-f` (raw string) fields. Typed values: true, false, null and numbers become JSON
 * values; `@file` reads the value from a file (a CA certificate); anything else is a string.
 */
import fs from "node:fs";
import { parse as parseYaml } from "yaml";
import { setPath } from "../lib/object-paths";
import { CliError, EXIT } from "./errors";
import { readStdin } from "./prompt";

export type Inputs = Record<string, unknown>;

export function parseAssignment(text: string, flag: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) throw new CliError(`${flag} takes key=value (e.g. ${flag} host=db.internal), got "${text}".`, EXIT.usage);
  return [text.slice(0, at).trim(), text.slice(at + 1)];
}

export function typedValue(raw: string): unknown {
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (raw === "null") return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw.startsWith("@") && raw.length > 1) {
    try {
      return fs.readFileSync(raw.slice(1), "utf8");
    } catch (error) {
      throw new CliError(`Cannot read ${raw.slice(1)} (from ${raw}): ${(error as Error).message}`, EXIT.usage);
    }
  }
  return raw;
}

/** Parses a JSON or YAML document that must be an object (a rotator's inputs, an import state). */
export async function readObjectFile(file: string, what: string): Promise<Inputs> {
  let text: string;
  try {
    text = file === "-" ? await readStdin(what) : fs.readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`, EXIT.usage);
  }
  let value: unknown;
  try {
    value = parseYaml(text); // YAML is a superset of JSON
  } catch (error) {
    throw new CliError(`${file === "-" ? "stdin" : file} is not valid JSON or YAML: ${(error as Error).message}`, EXIT.usage);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new CliError(`${file === "-" ? "stdin" : file} must hold an object of ${what} (key: value).`, EXIT.usage);
  }
  return value as Inputs;
}

export async function collectInputs(options: { inputsFile?: string; input?: string[]; rawInput?: string[] }): Promise<Inputs> {
  const inputs: Inputs = options.inputsFile ? await readObjectFile(options.inputsFile, "rotator inputs") : {};
  for (const text of options.input ?? []) {
    const [key, raw] = parseAssignment(text, "--input");
    setPath(inputs, key, typedValue(raw));
  }
  for (const text of options.rawInput ?? []) {
    const [key, raw] = parseAssignment(text, "--raw-input");
    setPath(inputs, key, raw);
  }
  return inputs;
}
