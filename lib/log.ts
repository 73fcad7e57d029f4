/**
 * Server-side logging, in one of two formats (ROTOR_LOG_FORMAT):
 *   text  `[rotor] message — Cause: detail (runId=…)`, one line per message (the default)
 *   json  one JSON object per line — level, time, message and the ids the message is about — via pino
 *
 * Both apply the same redaction: an error and its causes are included by message only (no request bodies, no
 * connection strings with passwords), and known secret shapes are masked as a last line of defence. The
 * structured fields are ids only (LogFields), so no secret can travel in them.
 */
import pino, { type Logger } from "pino";
import { ConfigError, env } from "./env";

const SECRET_PATTERNS: RegExp[] = [
  /(postgres(?:ql)?|mysql):\/\/([^:@/\s]+):([^@\s]+)@/gi, // credentials in connection URLs
  // A value given to a secret-named key (`password=…`, `"token": "…"`, `secret: …`). The key must be followed by
  // `:` or `=`: prose such as "password authentication failed" is the cause an operator needs, not a secret.
  /(password|passwd|secret|token|secretAccessKey)(\s*["']?\s*[:=]\s*["']?)([^"'\s,;}]+)/gi,
  // A quoted literal in SQL that sets a password (`PASSWORD '…'`, `IDENTIFIED BY '…'`).
  /\b(password|identified\s+by)(\s+)'(?:[^']|'')*'/gi,
  // Password hashes wherever they appear: Rotor's own (lib/crypto/password-hash.ts), PostgreSQL SCRAM
  // verifiers, MySQL native hashes.
  /\b(?:scrypt|SCRAM-SHA-256)\$[^\s"',;}]+|\*[0-9A-F]{40}\b/gi,
];

export function redactLogText(text: string): string {
  return text
    .replace(SECRET_PATTERNS[0], "$1://$2:[redacted]@")
    .replace(SECRET_PATTERNS[1], "$1$2[redacted]")
    .replace(SECRET_PATTERNS[2], "$1$2'[redacted]'")
    .replace(SECRET_PATTERNS[3], "[redacted]");
}

/** What a message is about: ids and names Rotor shows anyway, never values. */
export interface LogFields {
  runId?: string;
  rotatorId?: string;
  environmentId?: string;
  scheduleId?: string;
  batchId?: string;
  deliveryId?: string;
  /** The support reference shown to a user with a generic error. */
  reference?: string;
}

type Level = "debug" | "info" | "warn" | "error";
const LEVELS: Level[] = ["debug", "info", "warn", "error"];

function settings(): { format: "text" | "json"; level: Level } {
  try {
    const config = env();
    return { format: config.logFormat, level: config.logLevel };
  } catch {
    // Invalid configuration is being reported (through this module): log it with the defaults.
    return { format: process.env.ROTOR_LOG_FORMAT === "json" ? "json" : "text", level: "info" };
  }
}

let jsonLogger: Logger | undefined;

function json(): Logger {
  // Levels are filtered in write(); the logger itself takes everything it is given.
  jsonLogger ??= pino(
    {
      level: "debug",
      messageKey: "message",
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Synchronous writes: a line is out before a crash or process.exit, and lines never interleave.
    pino.destination({ fd: 1, sync: true }),
  );
  return jsonLogger;
}

/**
 * What an error says, fit for the log. A failed database query (drizzle's DrizzleQueryError) carries the
 * query's parameters in its message — a password hash, an encrypted secret, a user's email — so it is
 * described by its statement and the driver's own error only, never its parameters. The driver's `detail`
 * ("Failing row contains (…)") is left out for the same reason.
 */
export function errorMessageOf(error: Error): string {
  const query = (error as { query?: unknown; params?: unknown }).query;
  if (typeof query === "string" && Array.isArray((error as { params?: unknown }).params)) {
    const cause = (error as { cause?: unknown }).cause;
    const driver = cause instanceof Error ? cause : undefined;
    const code = driver ? (driver as { code?: unknown }).code : undefined;
    const statement = query.replace(/\s+/g, " ").slice(0, 160);
    return `database query failed (${statement}): ${driver ? `${code ? `${String(code)} ` : ""}${driver.message}` : "no cause reported"}`;
  }
  return error.message;
}

/** How many causes deep a logged error is described: the real reason is usually one or two down. */
const MAX_CAUSES = 4;

/** `Name code: message`, then each cause the same way ("Caused by: …"): the driver's own words (a refused
 *  connection, a pool timeout) are what an operator needs, and they sit in `cause`, not in the message. */
function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth <= MAX_CAUSES; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(`${current.name}${code ? ` ${String(code)}` : ""}: ${errorMessageOf(current)}`);
      // A failed query's cause (the driver error) is already part of its description.
      current = isQueryError(current) ? (current.cause as { cause?: unknown } | undefined)?.cause : current.cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return parts.join(" Caused by: ");
}

/** A failed query (drizzle's DrizzleQueryError): its message holds the parameters, its cause the driver error. */
export function isQueryError(error: Error): boolean {
  return typeof (error as { query?: unknown }).query === "string" && Array.isArray((error as { params?: unknown }).params);
}

function redactFields(fields: LogFields): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = redactLogText(String(value));
  return out;
}

function write(level: Level, message: string, fields: LogFields = {}, error?: unknown): void {
  const { format, level: threshold } = settings();
  if (LEVELS.indexOf(level) < LEVELS.indexOf(threshold)) return;
  const ids = redactFields(fields);
  if (format === "json") {
    const record: Record<string, string> = { ...ids };
    if (error !== undefined) record.error = redactLogText(describe(error));
    json()[level](record, redactLogText(message));
    return;
  }
  const suffix = Object.keys(ids).length ? ` (${Object.entries(ids).map(([k, v]) => `${k}=${v}`).join(" ")})` : "";
  const line = redactLogText(`[rotor] ${message}${error === undefined ? "" : ` — ${describe(error)}`}${suffix}`);
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

export function logError(message: string, error?: unknown, fields?: LogFields): void {
  write("error", message, fields, error);
}

export function logWarn(message: string, fields?: LogFields): void {
  write("warn", message, fields);
}

export function logInfo(message: string, fields?: LogFields): void {
  write("info", message, fields);
}

/**
 * The first-run setup link, printed on purpose and NOT redacted (it carries its one-time token): the log of
 * the process is the trusted channel to the installer.
 */
export function logSetupUrl(url: string): void {
  const message = "No users yet. Create the first admin at the setup link";
  if (settings().format === "json") json().info({ setupUrl: url }, message);
  else console.log(`\n[rotor] No users yet. Create the first admin at:\n\n    ${url}\n`);
}

/** A configuration problem that stops the process: what to fix, as the only thing in the log. */
export function logConfigError(error: ConfigError): void {
  if (settings().format === "json") json().fatal(redactLogText(error.message));
  else console.error(`\n${redactLogText(error.message)}\n`);
}
