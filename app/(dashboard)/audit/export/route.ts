import { authorizedRoute } from "@/lib/auth/route";
import { auditQuerySchema } from "@/lib/audit/validation";
import { listAuditEvents } from "@/lib/db/queries/audit";
import { AUDIT_CSV_HEADER, auditEventToCsvRow } from "@/lib/audit/csv";
import { AppError } from "@/lib/errors";

// Streams every matching event, newest first, page by page, so a large export never sits in memory.
export const GET = authorizedRoute({ name: "audit.export", role: "viewer" }, async (request, { db }) => {
  const parsed = auditQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw new AppError("input:invalid", parsed.error.issues[0].message);
  const { before: _ignored, ...filter } = parsed.data;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(`${AUDIT_CSV_HEADER.join(",")}\n`));
      let before: number | undefined;
      do {
        const page = await listAuditEvents({ db, filter, before, limit: 1000 });
        if (page.events.length) controller.enqueue(encoder.encode(page.events.map(auditEventToCsvRow).join("\n") + "\n"));
        before = page.nextBefore ?? undefined;
      } while (before);
      controller.close();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="rotor-audit-${new Date().toISOString().slice(0, 10)}.csv"`,
      "cache-control": "no-store",
    },
  });
});
