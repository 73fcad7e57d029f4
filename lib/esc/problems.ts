/**
 * What an ESC import reports about its files: an `error` blocks the import (nothing is created while one is
 * left), a `note` says what Rotor did that a reader of the ESC file would not expect (a value copied from an
 * imported environment, a default applied, a verification that could not be made).
 */
export interface EscProblem {
  file: string;
  /** 1-based line in the file; null when the problem is about the file as a whole. */
  line: number | null;
  /** Where in the definition, e.g. `values.dbRotator.inputs.database.host` ("" for the file). */
  path: string;
  message: string;
  severity: "error" | "note";
}

/** `file:line path: message`, the way the CLI, the API and the page print one problem. */
export function formatProblem(problem: EscProblem): string {
  const where = `${problem.file}${problem.line ? `:${problem.line}` : ""}`;
  return `${where}${problem.path ? ` ${problem.path}` : ""}: ${problem.message}`;
}
