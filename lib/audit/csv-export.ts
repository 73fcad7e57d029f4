import "server-only";
/**
 * The audit log as CSV, streamed on demand: each `pull` (the client is ready for more) reads one page of
 * events, newest first, keyset by id. A slow client therefore holds back the reading, and the server keeps at
 * most one page in memory however large the log is.
 */
import type { DbOrTx } from "../db/client";
import { listAuditEvents, type AuditFilter } from "../db/queries/audit";
import { AUDIT_CSV_HEADER, auditEventToCsvRow } from "./csv";

export const AUDIT_EXPORT_PAGE_SIZE = 1000;

export function auditCsvStream({ db, filter, pageSize = AUDIT_EXPORT_PAGE_SIZE }: { db: DbOrTx; filter: AuditFilter; pageSize?: number }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let before: number | undefined;
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(`${AUDIT_CSV_HEADER.join(",")}\n`));
          return;
        }
        const page = await listAuditEvents({ db, filter, before, limit: pageSize });
        if (page.events.length) controller.enqueue(encoder.encode(`${page.events.map(auditEventToCsvRow).join("\n")}\n`));
        if (page.nextBefore === null) controller.close();
        else before = page.nextBefore;
      },
    },
    // Nothing is read ahead of the client: a chunk is produced only when the previous one was taken.
    { highWaterMark: 0 },
  );
}
