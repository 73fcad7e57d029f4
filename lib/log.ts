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

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code ? ` ${String(code)}` : ""}: ${error.message}`;
  }
  return String(error);
}

export function logError(message: string, error?: unknown): void {
  console.error(redactLogText(`[rotor] ${message}${error === undefined ? "" : ` — ${describe(error)}`}`));
}

export function logInfo(message: string): void {
  console.log(redactLogText(`[rotor] ${message}`));
}
