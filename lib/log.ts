/**
 * Server-side logging. Messages are single lines; error causes are included by message only (no request
 * bodies, no connection strings with passwords), and known secret shapes are masked as a last line of defence.
 */
const SECRET_PATTERNS: RegExp[] = [
  /(postgres(?:ql)?|mysql):\/\/([^:@/\s]+):([^@\s]+)@/gi, // credentials in connection URLs
  /(password|passwd|secret|token|secretAccessKey)(["'\s:=]+)([^"'\s,;}]+)/gi,
];

export function redactLogText(text: string): string {
  return text
    .replace(SECRET_PATTERNS[0], "$1://$2:[redacted]@")
    .replace(SECRET_PATTERNS[1], "$1$2[redacted]");
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

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code ? ` ${String(code)}` : ""}: ${errorMessageOf(error)}`;
  }
  return String(error);
}

export function logError(message: string, error?: unknown): void {
  console.error(redactLogText(`[rotor] ${message}${error === undefined ? "" : ` — ${describe(error)}`}`));
}

export function logInfo(message: string): void {
  console.log(redactLogText(`[rotor] ${message}`));
}
