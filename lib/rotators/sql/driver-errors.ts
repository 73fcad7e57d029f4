/**
 * Driver failure → RotatorError. The message says what went wrong in the user's terms and what to do about it;
 * the `cause` is a sanitized copy of the driver error (message redacted, no statement text, no stack from the
 * driver), because drivers attach the full SQL — with the password in it — to their errors (mysql2 `err.sql`).
 */
import { NETWORK_ERROR_REASONS, RotatorError, redactSecrets, type RotatorErrorCode } from "../errors";
import type { DatabaseConnection, TargetUser } from "./connector";
import { DEFAULT_TIMEOUT_MS, type DriverFailure, type SqlDialect } from "./dialect";

export type SqlPhase = "managing-login" | "inspect" | "set-password" | "verify-login";

export interface DriverErrorContext {
  dialect: SqlDialect;
  connection: DatabaseConnection;
  phase: SqlPhase;
  /** Every secret that may be echoed by the driver: passwords, verifiers. */
  secrets: readonly string[];
  /** The rotated user (set-password, verify-login). */
  user?: TargetUser;
  /** The managing user's name. */
  managing?: string;
}

const MAX_DRIVER_TEXT = 300;

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
}

function fields(error: unknown): ErrorLike {
  return typeof error === "object" && error !== null ? (error as ErrorLike) : { message: String(error) };
}

/** The driver's own text, redacted and bounded, for messages and causes. */
export function driverText(error: unknown, secrets: readonly string[]): string {
  const raw = typeof fields(error).message === "string" ? (fields(error).message as string) : String(error);
  const redacted = redactSecrets(raw, secrets).replace(/\s+/g, " ").trim();
  return redacted.length > MAX_DRIVER_TEXT ? `${redacted.slice(0, MAX_DRIVER_TEXT)}…` : redacted;
}

/** A plain Error with the driver's identifying fields and redacted text: safe to log server-side. */
export function sanitizedCause(error: unknown, secrets: readonly string[]): Error {
  const f = fields(error);
  const cause = new Error(driverText(error, secrets)) as Error & Record<string, unknown>;
  cause.name = "DriverError";
  for (const key of ["code", "errno", "sqlState"] as const) {
    if (typeof f[key] === "string" || typeof f[key] === "number") cause[key] = f[key];
  }
  return cause;
}

type Transport =
  | { kind: "network"; reason: string }
  | { kind: "timeout" }
  | { kind: "tls-certificate" }
  | { kind: "tls-hostname" }
  | null;

/** Failures below SQL: sockets, DNS, timeouts and certificates look the same for every driver. */
function classifyTransport(error: unknown): Transport {
  const f = fields(error);
  const code = typeof f.code === "string" ? f.code : "";
  const message = typeof f.message === "string" ? f.message : "";
  if (code === "ETIMEDOUT" || code === "PROTOCOL_SEQUENCE_TIMEOUT") return { kind: "timeout" };
  if (/timeout expired|connection timeout|Query read timeout/i.test(message)) return { kind: "timeout" };
  if (code in NETWORK_ERROR_REASONS) return { kind: "network", reason: NETWORK_ERROR_REASONS[code]! };
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return { kind: "tls-hostname" };
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO/.test(code)) {
    return { kind: "tls-certificate" };
  }
  if (/Connection terminated unexpectedly|Connection lost|PROTOCOL_CONNECTION_LOST/i.test(message + code)) {
    return { kind: "network", reason: "connection closed by the server" };
  }
  return null;
}

const ACTION: Record<SqlPhase, string> = {
  "managing-login": "log in as the managing user",
  inspect: "inspect the users",
  "set-password": "change the password",
  "verify-login": "log in with the credential",
};

export function mapDriverError(error: unknown, ctx: DriverErrorContext): RotatorError {
  if (error instanceof RotatorError) return error;
  const { dialect, connection, phase } = ctx;
  const where = `${dialect.label} at ${connection.host}:${connection.port}`;
  const seconds = Math.round((connection.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 100) / 10;
  const managing = `"${ctx.managing ?? "?"}"`;
  const who = ctx.user ? dialect.describeUser(ctx.user) : "the user";
  const isLogin = phase === "managing-login" || phase === "verify-login";
  const text = driverText(error, ctx.secrets);

  const make = (code: RotatorErrorCode, message: string, retryable?: boolean) =>
    new RotatorError(code, redactSecrets(message, ctx.secrets), {
      cause: sanitizedCause(error, ctx.secrets),
      ...(retryable === undefined ? {} : { retryable }),
    });

  const transport = classifyTransport(error);
  // The connection broke or timed out while the managing session was changing the password: the statement may
  // have reached the server and run. Only a check of the new password can tell (two-user-rotator.ts).
  const lostAnswer = phase === "set-password" && (transport?.kind === "network" || transport?.kind === "timeout" || dialect.classify(error).kind === "timeout");
  if (lostAnswer) {
    const why = transport?.kind === "network" ? transport.reason : `no answer within ${seconds}s`;
    return new RotatorError(
      transport?.kind === "network" ? "target:unreachable" : "target:timeout",
      redactSecrets(`The connection to ${where} was lost after the password change of ${who} was sent (${why}): the change may have reached the database.`, ctx.secrets),
      { cause: sanitizedCause(error, ctx.secrets), outcomeUnknown: true },
    );
  }
  if (transport?.kind === "network") {
    return make("target:unreachable", `Cannot reach ${where} (${transport.reason}). Check host, port and network access.`);
  }
  if (transport?.kind === "timeout") {
    return isLogin
      ? make("target:unreachable", `Cannot reach ${where} (no answer within ${seconds}s). Check host, port and network access.`)
      : make("target:timeout", `${where} did not finish the request to ${ACTION[phase]} within ${seconds}s; it may be waiting for a lock. Try again later.`);
  }
  if (transport?.kind === "tls-certificate") {
    return make(
      "target:rejected",
      `The TLS certificate of ${where} was not accepted (${text}). Provide the CA certificate (PEM) that signed it, ` +
        `or use TLS mode "require" to encrypt without checking the certificate.`,
    );
  }

  if (transport?.kind === "tls-hostname") {
    return make(
      "target:rejected",
      `The TLS certificate of ${where} does not name "${connection.host}" (${text}). Connect with a host name the ` +
        `certificate lists, or use TLS mode "require" to encrypt without checking the certificate.`,
    );
  }

  const failure: DriverFailure = dialect.classify(error);
  switch (failure.kind) {
    case "tls-unsupported":
      return make(
        "target:rejected",
        `${where} does not accept TLS connections. Enable TLS on the server, or set TLS mode to "disable" only on a trusted network.`,
      );
    case "timeout":
      return isLogin
        ? make("target:unreachable", `Cannot reach ${where} (no answer within ${seconds}s). Check host, port and network access.`)
        : make("target:timeout", `${where} did not finish the request to ${ACTION[phase]} within ${seconds}s; it may be waiting for a lock. Try again later.`);
    case "unavailable":
      return make("target:unreachable", `${where} is not accepting connections right now (${text}). Try again later.`);
    case "auth":
      if (phase === "verify-login") {
        return make("auth:verify-failed", `${where} did not accept the password of ${who}.`);
      }
      return make(
        "auth:managing-login-failed",
        `${dialect.label} rejected the managing user ${managing}: wrong password or the user may not log in.`,
      );
    case "login-not-allowed":
      if (phase === "verify-login") {
        return make("auth:verify-failed", `${where} does not let ${who} log in (${text}).`);
      }
      return make("auth:managing-login-failed", `${where} does not let the managing user ${managing} log in (${text}).`);
    case "database-not-found":
      return make(
        "target:rejected",
        `Database "${connection.database ?? ""}" does not exist on ${where}. Check the database name.`,
      );
    case "permission":
      if (phase === "set-password") {
        return make(
          "auth:permission-denied",
          `Managing user ${managing} lacks the privilege to change the password of ${who} (${dialect.privilegeHint}).`,
        );
      }
      if (isLogin) {
        return make(
          "auth:permission-denied",
          `${where} does not let ${phase === "managing-login" ? `the managing user ${managing}` : who} use database ` +
            `"${connection.database ?? ""}" (${text}). Grant access to it, or check the database name.`,
        );
      }
      return make("auth:permission-denied", `Managing user ${managing} may not ${ACTION[phase]} on ${where} (${text}).`);
    case "user-not-found":
      return make(
        "target:user-not-found",
        `${dialect.label} ${dialect.userNoun} ${who} does not exist at ${connection.host}:${connection.port}. ` +
          "Create it before rotating, or fix the username.",
      );
    case "other":
      if (failure.code) {
        return make("target:rejected", `${where} refused to ${ACTION[phase]}: ${text} (${failure.code}).`);
      }
      return make("internal:unexpected", `Unexpected error while trying to ${ACTION[phase]} on ${where}: ${text}`);
  }
}
