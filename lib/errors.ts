/**
 * The application's one error type for services and actions: a stable `code` (`surface:reason`), an HTTP
 * status for route handlers, and a message written for the person who reads it. Never put a secret in it.
 */
export type AppErrorCode =
  | "auth:unauthenticated"
  | "auth:forbidden"
  | "input:invalid"
  | "not-found"
  | "conflict"
  | "setup:token-invalid"
  | "setup:token-expired"
  | "setup:done"
  | "rotation:busy"
  | "rotation:failed"
  | "internal";

const STATUS: Record<AppErrorCode, number> = {
  "auth:unauthenticated": 401,
  "auth:forbidden": 403,
  "input:invalid": 400,
  "not-found": 404,
  conflict: 409,
  "setup:token-invalid": 403,
  "setup:token-expired": 403,
  "setup:done": 404,
  "rotation:busy": 409,
  "rotation:failed": 502,
  internal: 500,
};

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly status: number;
  readonly fieldErrors?: Record<string, string>;

  constructor(code: AppErrorCode, message: string, options: { fieldErrors?: Record<string, string>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = STATUS[code];
    this.fieldErrors = options.fieldErrors;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
