/** One audit event as a CSV row: the export's columns and quoting (lib/audit/csv-export.ts streams them). */
import type { AuditCsvEvent } from "../db/queries/audit";

export const AUDIT_CSV_HEADER = ["id", "at", "actor", "action", "outcome", "target_type", "target_id", "target", "ip", "details", "hash"];

/** RFC 4180 quoting, and a leading quote on values a spreadsheet would run as a formula. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line, without its newline. */
export function auditEventToCsvRow(event: AuditCsvEvent): string {
  return [
    event.id,
    event.at.toISOString(),
    event.actorLabel,
    event.action,
    event.outcome,
    event.targetType,
    event.targetId,
    event.targetLabel,
    event.ip,
    event.details,
    event.hash,
  ]
    .map(csvCell)
    .join(",");
}
