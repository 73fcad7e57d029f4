import { NextResponse } from "next/server";
import { authorizedRoute } from "@/lib/auth/route";
import { listRunsByBatch } from "@/lib/db/queries/runs";
import { toRunView } from "@/lib/rotation/run-view";
import { isRowId } from "@/lib/db/ids";

// Per-rotator results of one "rotate the environment" request, for the live view.
export const GET = authorizedRoute<{ batchId: string }>({ name: "batch.read", role: "viewer" }, async (_request, { db }, { batchId }) => {
  const runs = isRowId(batchId) ? await listRunsByBatch({ db, batchId }) : [];
  return NextResponse.json({ runs: runs.map((r) => toRunView(r)) }, { headers: { "cache-control": "no-store" } });
});
