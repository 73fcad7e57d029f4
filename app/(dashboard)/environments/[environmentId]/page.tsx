import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getAppContext } from "@/lib/app-context";
import { getEnvironmentById, listEnvironmentRevisions, listEnvironmentValues } from "@/lib/db/queries/environments";
import { listRotatorsByEnvironment } from "@/lib/db/queries/rotators";
import { listRunsByIds } from "@/lib/db/queries/runs";
import { rotatorStatus } from "@/lib/rotation/status";
import { StatusBadge } from "@/components/ui/status-badge";
import { EmptyState } from "@/components/ui/empty-state";
import { Time } from "@/components/ui/time";
import { RotateEnvironmentButton } from "./rotate-environment-button";
import { ScheduleSection } from "@/components/schedule-editor/schedule-section";
import { loadScheduleCoverage } from "@/lib/schedules/service";
import { DeleteEnvironmentForm, DeleteValueButton, RenameEnvironmentForm, SetValueForm } from "./environment-forms";
import { isRowId } from "@/lib/db/ids";

export const metadata = { title: "Environment" };

function summary(credential: Record<string, string> | null | undefined) {
  if (!credential) return <span className="muted">—</span>;
  return <span className="mono">{Object.values(credential).join(" ")}</span>;
}

export default async function EnvironmentPage({ params }: { params: Promise<{ environmentId: string }> }) {
  await connection();
  const user = await requirePageUser("viewer");
  const { environmentId } = await params;
  if (!isRowId(environmentId)) notFound();
  const { db } = await getAppContext();
  const environment = await getEnvironmentById({ db, id: environmentId });
  if (!environment) notFound();
  const [rotators, values, revisions] = await Promise.all([
    listRotatorsByEnvironment({ db, environmentId }),
    listEnvironmentValues({ db, environmentId }),
    listEnvironmentRevisions({ db, environmentId, limit: 20 }),
  ]);
  const runs = new Map((await listRunsByIds({ db, ids: rotators.flatMap((r) => (r.lastRunId ? [r.lastRunId] : [])) })).map((r) => [r.id, r]));
  const coverage = await loadScheduleCoverage({ db, rotators }); // retrying/overdue/paused/unscheduled
  const canOperate = hasRole(user.role, "operator");
  return (
    <>
      <div className="spread">
        <div>
          <p className="muted"><Link href="/environments">Environments</Link> /</p>
          <h1>{environment.name}</h1>
          {environment.description && <p className="muted">{environment.description}</p>}
        </div>
        {canOperate && <RotateEnvironmentButton environmentId={environment.id} environmentName={environment.name} rotatorCount={rotators.length} />}
      </div>

      <div className="spread">
        <h2>Rotators</h2>
        {canOperate && <Link className="btn" href={`/environments/${environment.id}/rotators/new`}>Add rotator</Link>}
      </div>
      {rotators.length === 0 ? (
        <EmptyState title="No rotators yet"><p>Add a rotator to rotate a database password, an IAM key or a generated secret.</p></EmptyState>
      ) : (
        <table aria-label="Rotators">
          <thead>
            <tr><th>Name</th><th>Type</th><th>Status</th><th>Current</th><th>Last rotation</th></tr>
          </thead>
          <tbody>
            {rotators.map((r) => {
              const run = r.lastRunId ? runs.get(r.lastRunId) : undefined;
              const state = r.stateSummary as { current?: Record<string, string> | null };
              return (
                <tr key={r.id}>
                  <td><Link href={`/rotators/${r.id}`}>{r.name}</Link></td>
                  <td className="mono">{r.type}</td>
                  <td>
                    <StatusBadge status={rotatorStatus(r, undefined, coverage.get(r.id))} />
                    {r.lastError && <div className="field-error">{r.lastError}</div>}
                  </td>
                  <td>{summary(state.current)}</td>
                  <td>
                    {run ? (
                      <>
                        <Time value={run.finishedAt ?? run.startedAt} /> by {run.actorLabel} <StatusBadge status={run.status} />
                      </>
                    ) : (
                      <span className="muted">never</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      {/* Schedule for every rotator of the environment */}
      <ScheduleSection target={{ environmentId: environment.id }} canEdit={canOperate} subject={`every rotator in ${environment.name}`} />

      <h2>Values</h2>
      {values.length === 0 ? (
        <p className="muted">No plain values.</p>
      ) : (
        <table aria-label="Values">
          <thead><tr><th>Key</th><th>Value</th><th></th></tr></thead>
          <tbody>
            {values.map((v) => (
              <tr key={v.key}>
                <td className="mono">{v.key}</td>
                <td className="mono">{v.secret ? "••••••••" : v.plainValue}</td>
                <td>{canOperate && <DeleteValueButton environmentId={environment.id} valueKey={v.key} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canOperate && <div className="card" style={{ marginTop: "1rem" }}><SetValueForm environmentId={environment.id} /></div>}

      <h2>Revisions</h2>
      <table aria-label="Revisions">
        <thead><tr><th>Revision</th><th>Change</th><th>By</th><th>When</th></tr></thead>
        <tbody>
          {revisions.map((r) => (
            <tr key={r.revision}>
              <td>{r.revision}</td>
              <td>{r.reason}</td>
              <td>{r.actorLabel}</td>
              <td><Time value={r.createdAt} /></td>
            </tr>
          ))}
        </tbody>
      </table>

      {canOperate && (
        <>
          <h2>Settings</h2>
          <div className="card" style={{ maxWidth: 480 }}>
            <RenameEnvironmentForm environmentId={environment.id} name={environment.name} description={environment.description} />
          </div>
        </>
      )}
      {hasRole(user.role, "admin") && (
        <div className="card" style={{ maxWidth: 480 }}>
          <DeleteEnvironmentForm environmentId={environment.id} name={environment.name} />
        </div>
      )}
    </>
  );
}
