import "server-only";
/**
 * The audit log as CSV, streamed on demand: each `pull` (the client is ready for more) reads one page of
 * events, newest first, keyset by id. A slow client therefore holds back the reading, and the server keeps at
 * most one page in memory however large the log is.
 *
 * Pages are small (about 25 KB of CSV) and read only the exported columns, and each row is one string: what
 * a page allocates is garbage once the socket has taken its chunk, and a million rows through a slow client
 * should leave as little of it behind as they can (bench/footprint.ts measures the server's RSS).
 */
import type { DbOrTx } from "../db/client";
import { listAuditEventsForCsv, type AuditFilter } from "../db/queries/audit";
import { AUDIT_CSV_HEADER, auditEventToCsvRow } from "./csv";

/** About 25 KB of CSV: near what a socket takes at once, so a chunk seldom waits in memory for a drain. */
export const AUDIT_EXPORT_PAGE_SIZE = 250;

/** `onEnd`: called once when the export is over, read to the end or cancelled by the client. */
export function auditCsvStream({ db, filter, pageSize = AUDIT_EXPORT_PAGE_SIZE, onEnd }: { db: DbOrTx; filter: AuditFilter; pageSize?: number; onEnd?: () => void }): ReadableStream<Uint8Array> {
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
        const page = await listAuditEventsForCsv({ db, filter, before, limit: pageSize });
        let text = "";
        for (const event of page.events) text += `${auditEventToCsvRow(event)}\n`;
        if (text) controller.enqueue(encoder.encode(text));
        if (page.nextBefore === null) {
          controller.close();
          onEnd?.();
        } else before = page.nextBefore;
      },
      cancel() {
        onEnd?.();
      },
    },
    // Nothing is read ahead of the client: a chunk is produced only when the previous one was taken.
    { highWaterMark: 0 },
  );
}
