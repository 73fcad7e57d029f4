import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getAppContext } from "@/lib/app-context";
import { getEnvironmentById, listEnvironmentRevisions, listEnvironmentValues } from "@/lib/db/queries/environments";
import { listRotatorsPageByEnvironment } from "@/lib/db/queries/rotators";
import { listRunsByIds } from "@/lib/db/queries/runs";
import { rotatorStatus } from "@/lib/rotation/status";
import { StatusBadge } from "@/components/ui/status-badge";
import { EmptyState } from "@/components/ui/empty-state";
import { Time } from "@/components/ui/time";
import { RotateEnvironmentButton } from "./rotate-environment-button";
import { ScheduleSection } from "@/app/(dashboard)/schedules/schedule-section";
import { loadScheduleCoverage } from "@/lib/schedules/service";
import { DeleteEnvironmentForm, DeleteValueButton, RenameEnvironmentForm, SetValueForm } from "./environment-forms";
import { isRowId } from "@/lib/db/ids";
import { exportCatalog } from "@/lib/environments/service";
import { explainExports, referencePaths } from "@/lib/environments/exports";
import { describeEnvironmentConsumersBehind, listEnvironmentConsumers } from "@/lib/environments/consumers";
import { ExportsEditor } from "./exports-editor";

export const metadata = { title: "Environment" };

function summary(credential: Record<string, string> | null | undefined) {
  if (!credential) return <span className="muted">—</span>;
  return <span className="mono">{Object.values(credential).join(" ")}</span>;
}

/** Rotators shown per page: an environment may hold hundreds, and the page must stay small and fast. */
const ROTATORS_PER_PAGE = 50;

export default async function EnvironmentPage({
  params,
  searchParams,
}: {
  params: Promise<{ environmentId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await connection();
  const user = await requirePageUser("viewer");
  const { environmentId } = await params;
  const requested = Number((await searchParams).page);
  const page = Number.isSafeInteger(requested) && requested > 1 ? requested : 1;
  if (!isRowId(environmentId)) notFound();
  const { db } = await getAppContext();
  const environment = await getEnvironmentById({ db, id: environmentId });
  if (!environment) notFound();
  const [{ rotators, total: rotatorCount }, values, revisions, catalog, consumers] = await Promise.all([
    listRotatorsPageByEnvironment({ db, environmentId, offset: (page - 1) * ROTATORS_PER_PAGE, limit: ROTATORS_PER_PAGE }),
    listEnvironmentValues({ db, environmentId }),
    listEnvironmentRevisions({ db, environmentId, limit: 20 }),
    exportCatalog(db, environmentId),
    listEnvironmentConsumers({ db, environment }),
  ]);
  const exported = explainExports(environment.exports, catalog);
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
        <div className="row">
          {/* Plain links (downloads): the route checks the role again, and audits every export. */}
          <a className="btn" href={`/environments/${environment.id}/esc`} download>Export as Pulumi ESC</a>
          {hasRole(user.role, "admin") && <a className="btn" href={`/environments/${environment.id}/esc?showSecrets=true`} download>Export with secrets</a>}
          {canOperate && <RotateEnvironmentButton environmentId={environment.id} environmentName={environment.name} rotatorCount={rotatorCount} consumersBehind={describeEnvironmentConsumersBehind(consumers)} expectedRevision={environment.currentRevision} />}
        </div>
      </div>

      <div className="spread">
        <h2>Rotators</h2>
        {canOperate && <Link className="btn" href={`/environments/${environment.id}/rotators/new`}>Add rotator</Link>}
      </div>
      {rotatorCount === 0 ? (
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
      {rotatorCount > ROTATORS_PER_PAGE && <RotatorPages environmentId={environment.id} page={page} pages={Math.ceil(rotatorCount / ROTATORS_PER_PAGE)} total={rotatorCount} />}

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

      <h2>Exported variables</h2>
      <p className="muted">
        The variables <code>rotor run</code> and <code>open --format dotenv|shell</code> give applications, each a template over this environment:{" "}
        <code>{"${<rotator>.current.<field>}"}</code>, <code>{"${<rotator>.previous.<field>}"}</code> or <code>{"${values.<key>}"}</code>.
      </p>
      {exported.length === 0 ? (
        <p className="muted">No exported variables.</p>
      ) : (
        <table aria-label="Exported variables">
          <thead><tr><th>Variable</th><th>Template</th><th>Reads</th><th>Resolves</th></tr></thead>
          <tbody>
            {exported.map((e) => (
              <tr key={e.name} data-testid={`export-${e.name}`}>
                <td className="mono">{e.name}</td>
                <td className="mono">{e.template}</td>
                <td>{e.reads.length === 0 ? <span className="muted">text only</span> : e.reads.map((r) => <div key={r.source}>{r.description}</div>)}</td>
                <td>{e.problem ? <><span className="badge badge-warn">not yet</span> <span className="field-error">{e.problem}</span></> : <span className="badge badge-ok">yes</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canOperate && (
        <div className="card" style={{ marginTop: "1rem" }}>
          <ExportsEditor environmentId={environment.id} exports={environment.exports} references={referencePaths(catalog)} />
        </div>
      )}

      <h2>Consumers</h2>
      {consumers.length === 0 ? (
        <p className="muted">Nobody has opened this environment through the API yet. Applications that do (with a token, or <code>rotor run</code>) are listed here with the revision they hold.</p>
      ) : (
        <table aria-label="Consumers">
          <thead><tr><th>Consumer</th><th>Last open</th><th>Revision</th><th>Up to date</th></tr></thead>
          <tbody>
            {consumers.map((c) => (
              <tr key={`${c.kind}:${c.tokenId ?? c.label}`} data-testid={`consumer-${c.label}`}>
                <td>
                  {c.label}
                  {c.tokenState && c.tokenState !== "active" && <> <span className="badge badge-neutral">token {c.tokenState}</span></>}
                </td>
                <td><Time value={c.lastOpenedAt} /></td>
                <td>{c.revision}</td>
                <td>
                  {c.current ? <span className="badge badge-ok">current</span> : <span className="badge badge-warn">behind</span>}
                  {c.behindOn.length > 0 && <div className="field-error">Still uses the previous credential of {c.behindOn.join(", ")}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

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

function RotatorPages({ environmentId, page, pages, total }: { environmentId: string; page: number; pages: number; total: number }) {
  const first = (page - 1) * ROTATORS_PER_PAGE + 1;
  const last = Math.min(page * ROTATORS_PER_PAGE, total);
  const href = (n: number) => `/environments/${environmentId}${n > 1 ? `?page=${n}` : ""}`;
  return (
    <nav className="row" aria-label="Rotator pages" style={{ marginTop: "0.5rem" }}>
      <span className="muted">{first <= total ? `Rotators ${first}–${last} of ${total}` : `Page ${page} is past the last (${pages})`}</span>
      {page > 1 && <Link className="btn" href={href(Math.min(page - 1, pages))}>Previous</Link>}
      {page < pages && <Link className="btn" href={href(page + 1)}>Next</Link>}
    </nav>
  );
}
