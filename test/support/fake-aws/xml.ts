/** Minimal XML writing for awsQuery responses: the SDK's XML parser only needs well-formed, escaped text. */

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** `<name>value</name>` for a scalar; `undefined` values are left out, as AWS omits absent members. */
export function el(name: string, value: string | number | boolean | Date | undefined | null): string {
  if (value === undefined || value === null) return "";
  const text = value instanceof Date ? isoSeconds(value) : String(value);
  return `<${name}>${escapeXml(text)}</${name}>`;
}

/** Nested element whose content is already XML. */
export function node(name: string, innerXml: string): string {
  return `<${name}>${innerXml}</${name}>`;
}

/** awsQuery lists are `<Name><member>…</member>…</Name>`. */
export function list(name: string, membersXml: readonly string[]): string {
  return node(name, membersXml.map((m) => node("member", m)).join(""));
}

/** IAM's timestamps look like 2026-01-02T03:04:05Z (no milliseconds). */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function successResponse(action: string, xmlns: string, resultXml: string | null, requestId: string): string {
  const result = resultXml === null ? "" : node(`${action}Result`, resultXml);
  return (
    `<${action}Response xmlns="${xmlns}">${result}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function errorResponse(
  error: { type: string; code: string; message: string },
  xmlns: string,
  requestId: string,
): string {
  return (
    `<ErrorResponse xmlns="${xmlns}"><Error>${el("Type", error.type)}${el("Code", error.code)}` +
    `${el("Message", error.message)}</Error>${el("RequestId", requestId)}</ErrorResponse>`
  );
}
