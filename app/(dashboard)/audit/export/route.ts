import { authorizedRoute } from "@/lib/auth/route";
import { auditQuerySchema } from "@/lib/audit/validation";
import { auditCsvStream } from "@/lib/audit/csv-export";
import { AppError } from "@/lib/errors";
import { heapCompactor } from "@/lib/heap-compaction";

// Every matching event, newest first, streamed as the client reads it (lib/audit/csv-export.ts).
export const GET = authorizedRoute({ name: "audit.export", role: "viewer" }, async (request, { db }) => {
  const parsed = auditQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw new AppError("input:invalid", parsed.error.issues[0].message);
  const { before: _ignored, ...filter } = parsed.data;
  // An export allocates as much garbage as it sends: its heap pages are given back once it is over.
  const stream = auditCsvStream({ db, filter, onEnd: () => heapCompactor.afterBurst() });
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="rotor-audit-${new Date().toISOString().slice(0, 10)}.csv"`,
      "cache-control": "no-store",
    },
  });
});
