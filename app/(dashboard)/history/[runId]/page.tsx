import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { getAppContext } from "@/lib/app-context";
import { getRunById, listStepsByRun } from "@/lib/db/queries/runs";
import { toRunView } from "@/lib/rotation/run-view";
import { isRowId } from "@/lib/db/ids";
import { RunSteps } from "@/components/run-progress";
import { Time } from "@/components/ui/time";

export const metadata = { title: "Run" };

/** One run with its steps: where each row of the history leads. */
export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  await connection();
  await requirePageUser("viewer");
  const { runId } = await params;
  if (!isRowId(runId)) notFound();
  const { db } = await getAppContext();
  const run = await getRunById({ db, id: runId });
  if (!run) notFound();
  const view = toRunView(run, await listStepsByRun({ db, runId }));
  return (
    <>
      <p className="muted"><Link href="/history">History</Link> /</p>
      <h1>Run of {view.rotatorId ? <Link href={`/rotators/${view.rotatorId}`}>{view.rotatorName}</Link> : view.rotatorName}</h1>
      <p className="muted">
        <span className="mono">{view.rotatorType}</span> in{" "}
        {view.environmentId ? <Link href={`/environments/${view.environmentId}`}>{view.environmentName}</Link> : view.environmentName} · started <Time value={view.startedAt} />
        {view.finishedAt && <> · finished <Time value={view.finishedAt} /></>} · {view.trigger} by {view.actorLabel}
      </p>
      <RunSteps run={view} />
    </>
  );
}
