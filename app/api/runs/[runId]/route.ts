import { NextResponse } from "next/server";
import { authorizedRoute } from "@/lib/auth/route";
import { getRunById, listStepsByRun } from "@/lib/db/queries/runs";
import { AppError } from "@/lib/errors";
import { toRunView } from "@/lib/rotation/run-view";
import { isRowId } from "@/lib/db/ids";

// Run progress for the live view. Never includes the pending credential.
export const GET = authorizedRoute<{ runId: string }>({ name: "run.read", role: "viewer" }, async (_request, { db }, { runId }) => {
  const run = isRowId(runId) ? await getRunById({ db, id: runId }) : undefined;
  if (!run) throw new AppError("not-found", "No such run.");
  const steps = await listStepsByRun({ db, runId });
  return NextResponse.json(toRunView(run, steps), { headers: { "cache-control": "no-store" } });
});
