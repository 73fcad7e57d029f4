/**
 * What commands print. Data goes to stdout (a table for people, `--output json` for scripts); progress,
 * warnings and errors go to stderr, so `$(rotor …)` and pipes get only the data.
 */
import { Option } from "commander";
import { redactTokens } from "./errors";

export type OutputFormat = "text" | "json";

/** `-o, --output text|json`, added to every command whose output a script would parse. */
export function outputOption(): Option {
  return new Option("-o, --output <format>", "text for people, json for scripts").choices(["text", "json"]).default("text");
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ""): void {
  process.stdout.write(`${text}\n`);
}

/** A line on stderr (progress, notices), with anything token-shaped removed. */
export function note(text: string): void {
  process.stderr.write(`${redactTokens(text)}\n`);
}

export type Cell = string | number | boolean | null | undefined;

/** Left-aligned columns, two spaces apart; an empty cell prints as "-". */
export function printTable(headers: string[], rows: Cell[][]): void {
  const text = rows.map((row) => row.map((cell) => (cell === null || cell === undefined || cell === "" ? "-" : String(cell))));
  const widths = headers.map((header, i) => Math.max(header.length, ...text.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd();
  printLine(line(headers));
  for (const row of text) printLine(line(row));
}

/** ISO times shortened for tables: 2026-12-01T10:00:00.000Z → 2026-12-01 10:00:00Z. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
}
