/**
 * The application's one error vocabulary. `AppError` has a stable `code` (`surface:reason`), the HTTP status
 * that code answers with, and a message written for the person who reads it; never a secret.
 *
 * Rotators throw `RotatorError` (lib/rotators/errors.ts: the pure library may import nothing from here), with
 * driver and AWS failures already turned into its codes. `toAppError` is the one mapping of anything thrown
 * into an AppError: the engine records failed runs with it, the services report failed tests with it, and
 * both wrappers (authorizedAction, authorizedRoute) answer with it, so a rotator's actionable message is what
 * the user reads, and only a truly unexpected error reads as one (with a reference into the server log).
 */
import { randomUUID } from "node:crypto";
import { isRotatorError, redactSecrets, type RotatorErrorCode } from "./rotators/errors";
import { errorMessageOf, isQueryError, logError, type LogFields } from "./log";

export type AppErrorCode =
  | RotatorErrorCode
  | "auth:unauthenticated"
  | "auth:forbidden"
  | "auth:token-expired"
  | "auth:token-revoked"
  | "auth:invalid-credentials"
  | "auth:otp-required"
  | "auth:throttled"
  | "payload:too-large"
  | "rotation:stale-revision"
  | "not-found"
  | "conflict"
  | "setup:token-invalid"
  | "setup:token-expired"
  | "setup:done"
  | "rotation:busy"
  | "rotation:held";

const STATUS: Record<AppErrorCode, number> = {
  "auth:unauthenticated": 401,
  "auth:forbidden": 403,
  "auth:token-expired": 401,
  "auth:token-revoked": 401,
  "auth:invalid-credentials": 401,
  "auth:otp-required": 401,
  "auth:throttled": 429,
  "input:invalid": 400,
  "payload:too-large": 413,
  "rotation:stale-revision": 409,
  "not-found": 404,
  conflict: 409,
  "setup:token-invalid": 403,
  "setup:token-expired": 403,
  "setup:done": 404,
  "rotation:busy": 409,
  "rotation:held": 409,
  // The target (a database, AWS, a connector) refused or did not answer: Rotor was the gateway.
  "target:unreachable": 502,
  "target:timeout": 504,
  "auth:managing-login-failed": 502,
  "auth:permission-denied": 502,
  "auth:verify-failed": 502,
  "target:user-not-found": 502,
  "target:limit-exceeded": 502,
  "target:unknown-credential": 502,
  "target:rejected": 502,
  "connector:failed": 502,
  "internal:unexpected": 500,
};

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly status: number;
  readonly fieldErrors?: Record<string, string>;
  /** Whether trying the same thing again later may help (a target that did not answer) or not (bad inputs,
   *  a missing privilege): the scheduler retries a failed rotation only when it may. */
  readonly retryable: boolean;

  constructor(
    code: AppErrorCode,
    message: string,
    options: { fieldErrors?: Record<string, string>; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = STATUS[code];
    this.fieldErrors = options.fieldErrors;
    this.retryable = options.retryable ?? false;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Stored and shown failure messages are bounded. */
export const MAX_ERROR_LENGTH = 500;

/** Removes every secret (of 4 characters or more, as redactSecrets) from a message and bounds its length,
 *  for storage and display. */
export function scrubMessage(message: string, secrets: readonly string[]): string {
  const out = redactSecrets(message, secrets);
  return out.length > MAX_ERROR_LENGTH ? `${out.slice(0, MAX_ERROR_LENGTH - 1)}…` : out;
}

/**
 * Anything thrown → an AppError whose message is safe to show: every `secrets` entry removed, bounded.
 * - an AppError keeps its code, status and field errors;
 * - a RotatorError keeps its code, its actionable message and its `retryable`;
 * - anything else is unexpected: it is logged (redacted) under a reference, and the user reads only that
 *   reference. It counts as retryable, since nothing says that trying again cannot help.
 * `prefix` says what failed ("Connection test failed"), `context` names the operation in the log and
 * `fields` the ids it is about (run, rotator: in JSON logs they are fields of their own).
 */
export function toAppError(
  error: unknown,
  options: { secrets?: readonly string[]; prefix?: string; context?: string; fields?: LogFields } = {},
): AppError {
  const secrets = options.secrets ?? [];
  const say = (message: string) => scrubMessage(options.prefix ? `${options.prefix}: ${message}` : message, secrets);
  if (error instanceof AppError) {
    return new AppError(error.code, say(error.message), { fieldErrors: error.fieldErrors, cause: error.cause, retryable: error.retryable });
  }
  if (isRotatorError(error)) {
    return new AppError(error.code, say(error.message), { cause: error, retryable: error.retryable });
  }
  const reference = randomUUID().slice(0, 8);
  logError(`${options.context ?? "request"} failed unexpectedly (reference ${reference})`, redactedError(error, secrets), { ...options.fields, reference });
  return new AppError("internal:unexpected", say(`Unexpected error; the server log has the details (reference ${reference}).`), {
    cause: error,
    retryable: true,
  });
}

/**
 * A copy of an error fit for the log: its name, code and message, and those of its causes, each with every
 * `secrets` entry removed (lib/log.ts then masks known secret shapes). Causes are kept because they hold the
 * real reason ("timeout exceeded when trying to connect", "connect ECONNREFUSED"); the copy drops everything
 * else an error may carry (a query's parameters, a request, a stack from a driver).
 */
export function redactedError(error: unknown, secrets: readonly string[], depth = 0): Error | undefined {
  if (!(error instanceof Error)) return error === undefined || error === null ? undefined : new Error(scrubMessage(String(error), secrets));
  // A failed query's description already ends with its driver error: go on from that error's cause.
  const next = isQueryError(error) ? (error.cause as { cause?: unknown } | undefined)?.cause : error.cause;
  const cause = depth < 4 ? redactedError(next, secrets, depth + 1) : undefined;
  const copy = new Error(scrubMessage(errorMessageOf(error), secrets), cause ? { cause } : undefined);
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" || typeof code === "number") Object.assign(copy, { code });
  return copy;
}
