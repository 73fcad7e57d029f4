/**
 * The one error type rotators throw. `code` is stable (`surface:reason`) so the engine, the UI and the
 * connector can react to it; `message` is for people: actionable, and never contains a secret value.
 * `retryable` says whether trying again later may help (unreachable host) or not (bad inputs): the scheduler
 * retries a failed rotation only when it may (lib/errors.ts maps this error into the app's AppError).
 */
export type RotatorErrorCode =
  | "input:invalid"
  | "target:unreachable"
  | "target:timeout"
  | "auth:managing-login-failed"
  | "auth:permission-denied"
  | "auth:verify-failed"
  | "target:user-not-found"
  | "target:limit-exceeded"
  | "target:unknown-credential"
  | "target:rejected"
  | "connector:failed"
  | "internal:unexpected";

export class RotatorError extends Error {
  readonly code: RotatorErrorCode;
  readonly retryable: boolean;
  /** The change was sent but its answer was lost (connection dropped, client timeout): it may or may not
   *  have taken effect at the target, so the caller must find out before trusting either outcome. */
  readonly outcomeUnknown: boolean;

  constructor(code: RotatorErrorCode, message: string, options: { retryable?: boolean; cause?: unknown; outcomeUnknown?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = "RotatorError";
    this.code = code;
    this.retryable = options.retryable ?? (code === "target:unreachable" || code === "target:timeout");
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }
}

export function isRotatorError(error: unknown): error is RotatorError {
  return error instanceof RotatorError;
}

/**
 * Replace every occurrence of each secret in a text. Used on driver messages before they leave a rotator,
 * because drivers sometimes echo statements or connection strings back in their errors. Longest first, so
 * a secret that contains another is removed whole rather than leaving its remainder behind.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined | null)[]): string {
  const redactable = secrets.filter((s): s is string => Boolean(s && s.length >= 4)).sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of redactable) out = out.split(secret).join("[redacted]");
  return out;
}

/**
 * What a socket or DNS error code means, in the words Rotor's messages use ("Cannot reach … (connection
 * refused)"). One table for every rotator that opens connections: the SQL drivers and the external adapter's HTTP.
 */
export const NETWORK_ERROR_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed",
  ETIMEDOUT: "connection timed out",
};
