/**
 * Whether a route parameter looks like a row id. Pages answer 404 (and route handlers "not found") for
 * anything else before asking the database, which would reject it as invalid uuid syntax.
 */
export function isRowId(text: string | undefined): text is string {
  return typeof text === "string" && /^[0-9a-f-]{36}$/.test(text);
}
