/**
 * How `rotor` fails: one error type carrying the exit code, and the mapping from the API's problem+json
 * (RFC 9457) answers to it. The codes are part of the CLI's interface (scripts branch on them), listed in
 * `rotor --help` and the README; keep the three in step.
 */

export const EXIT = {
  ok: 0,
  /** The operation failed: a rotation failed, the server had an error, a child could not be started. */
  failure: 1,
  /** Bad usage: an unknown command or option, a missing argument, input the server refused as invalid. */
  usage: 2,
  /** Not signed in, or the token is invalid, expired or revoked (HTTP 401). */
  auth: 3,
  /** Signed in, but the token's scope, role or environments do not allow this (HTTP 403). */
  forbidden: 4,
  /** The environment, rotator, run, token or path does not exist (HTTP 404). */
  notFound: 5,
  /** Conflict: it already exists, a rotation is running, or the revision moved on (HTTP 409). */
  conflict: 6,
  /** Rotor could not be reached (connection refused, DNS, timeout) or answered something that is not its API. */
  unreachable: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  the operation failed (a rotation failed, a server error)
  2  usage: bad arguments or options, or input the server refused as invalid
  3  not signed in, or the token is invalid, expired or revoked
  4  permission denied (the token's scope, role or environments)
  5  not found
  6  conflict (already exists, a rotation is running, the revision moved on)
  7  Rotor is unreachable
  rotor run passes its command's exit code through (128+N when the command died of signal N).`;

export class CliError extends Error {
  constructor(
    message: string,
    /** One of EXIT, or a shell's 126/127 when `rotor run` cannot execute its command. */
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The problem document of RFC 9457 as Rotor sends it (lib/api/problem.ts). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  /** Field errors by name, e.g. `{ "inputs.managing.host": "host is required" }`. */
  errors?: Record<string, string>;
}

/** A refusal from Rotor's API, with its problem document. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(describeProblem(status, problem), exitCodeFor(status, problem.code));
    this.name = "ApiError";
  }

  get code(): string | undefined {
    return this.problem.code;
  }
}

/** The network failed before Rotor answered, or what answered is not Rotor's API. */
export class UnreachableError extends CliError {
  constructor(message: string) {
    super(message, EXIT.unreachable);
    this.name = "UnreachableError";
  }
}

function exitCodeFor(status: number, code: string | undefined): ExitCode {
  if (status === 401) return EXIT.auth;
  if (status === 403) return EXIT.forbidden;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status === 400 || status === 413 || status === 422 || code === "input:invalid") return EXIT.usage;
  return EXIT.failure;
}

const SIGN_IN_AGAIN: Record<string, string> = {
  "auth:unauthenticated": "Sign in with `rotor login <url>`, or set ROTOR_TOKEN.",
  "auth:token-expired": "The token has expired: sign in again with `rotor login <url>`, or use a new ROTOR_TOKEN.",
  "auth:token-revoked": "The token was revoked: sign in again with `rotor login <url>`, or use a new ROTOR_TOKEN.",
};

/** `detail` (else the title), each field error on its own line by name, and what to do for sign-in problems. */
export function describeProblem(status: number, problem: Problem): string {
  const lines = [problem.detail?.trim() || problem.title?.trim() || `Rotor answered HTTP ${status}`];
  for (const [field, message] of Object.entries(problem.errors ?? {})) lines.push(`  ${field}: ${message}`);
  const hint = problem.code ? SIGN_IN_AGAIN[problem.code] : undefined;
  if (hint) lines.push(hint);
  return lines.join("\n");
}

/**
 * Removes anything shaped like a Rotor token from text the CLI prints as an error or log line, as a last
 * line of defence: no message is built with a token in it, but a server or a proxy could echo one.
 */
export function redactTokens(text: string): string {
  return text.replace(/rtr_[A-Za-z0-9_-]{8,}/g, (token) => `${token.slice(0, 12)}…`);
}
