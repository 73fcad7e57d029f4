/**
 * How `open` writes exported variables for a shell or a dotenv loader, exactly: every value read back by the
 * consumer is byte for byte the value Rotor holds (tested with hostile values against a real `sh` and the
 * `dotenv` package's parser).
 */
import { stringify } from "yaml";

/** POSIX shell: single quotes keep every byte literal; a single quote is closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function toShell(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}\n`)
    .join("");
}

export class UnrepresentableValueError extends Error {
  constructor(readonly variable: string) {
    super(
      `${variable} cannot be written as a dotenv line exactly (its value contains ', \` and " or a backslash before n/r, which no dotenv quoting keeps); use --format shell or json.`,
    );
  }
}

/**
 * dotenv has no escape that works everywhere, but three quotings that keep their content literally (the
 * `dotenv` package's rules, shared by most loaders): '…' (anything but '), `…` (anything but `), and "…"
 * (anything but ", where \n and \r stand for line breaks). The first that fits the value is used.
 */
export function dotenvQuote(name: string, value: string): string {
  // dotenv turns \r\n and lone \r into \n before parsing, so a carriage return survives only escaped in "…".
  const hasCr = value.includes("\r");
  if (!hasCr && !value.includes("'")) return `'${value}'`;
  if (!hasCr && !value.includes("`")) return `\`${value}\``;
  if (!value.includes('"') && !/\\[nr]/.test(value)) return `"${value.replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
  throw new UnrepresentableValueError(name);
}

export function toDotenv(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([name, value]) => `${name}=${dotenvQuote(name, value)}\n`)
    .join("");
}

export function toYaml(document: unknown): string {
  return stringify(document, { lineWidth: 0 });
}
