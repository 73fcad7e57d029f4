import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getAppContext } from "@/lib/app-context";
import { getRotatorById } from "@/lib/db/queries/rotators";
import { getEnvironmentById } from "@/lib/db/queries/environments";
import { getLoginProviderById } from "@/lib/db/queries/login-providers";
import { getConnectorById } from "@/lib/db/queries/connectors";
import { listRuns, listStepsByRuns } from "@/lib/db/queries/runs";
import { rollbackEffectOf, rotatorMeta } from "@/lib/rotators/meta";
import { describeConfiguration } from "../rotator-configuration";
import { rotatorStatus } from "@/lib/rotation/status";
import { toRunView } from "@/lib/rotation/run-view";
import { StatusBadge } from "@/components/ui/status-badge";
import { Time } from "@/components/ui/time";
import { RunSteps } from "@/components/run-progress";
import { CredentialView } from "./credential-view";
import { RotateNow } from "./rotate-now";
import { CheckRotation } from "./check-rotation";
import { DeleteRotatorForm } from "./delete-rotator-form";
import { ScheduleSection } from "@/app/(dashboard)/schedules/schedule-section";
import { loadScheduleCoverage } from "@/lib/schedules/service";
import { isRowId } from "@/lib/db/ids";
import { consumersBehindRotator, describeConsumersBehind } from "@/lib/environments/consumers";
import { describeRetiringCheck, retiringHolders } from "@/lib/rotation/lockout-finding";
import { HeldRotation } from "./rotate-anyway";
import { RollBack } from "./roll-back";

export const metadata = { title: "Rotator" };

/** Why there is nothing to roll back to, or null when there is. */
function rollbackUnavailable(summary: { current?: unknown; previous?: unknown }): string | null {
  if (!summary.current) return "Nothing to roll back to: this rotator has not been rotated yet.";
  if (!summary.previous) return "Nothing to roll back to: there is no previous credential (a rotation retired it at the target, or there was none yet).";
  return null;
}

export default async function RotatorPage({ params }: { params: Promise<{ rotatorId: string }> }) {
  await connection();
  const user = await requirePageUser("viewer");
  const { rotatorId } = await params;
  if (!isRowId(rotatorId)) notFound();
  const { db } = await getAppContext();
  const rotator = await getRotatorById({ db, id: rotatorId });
  if (!rotator) notFound();
  const [environment, { runs }, coverage, login, connector, behind] = await Promise.all([
    getEnvironmentById({ db, id: rotator.environmentId }),
    listRuns({ db, filter: { rotatorId: rotator.id }, limit: 10 }),
    loadScheduleCoverage({ db, rotators: [rotator] }), // retrying/overdue/paused/unscheduled
    rotator.loginProviderId ? getLoginProviderById({ db, id: rotator.loginProviderId }) : undefined,
    rotator.connectorId ? getConnectorById({ db, id: rotator.connectorId }) : undefined,
    consumersBehindRotator({ db, rotator }),
  ]);
  const behindWarning = describeConsumersBehind(behind);
  // The lockout guard held the latest run: say what it found, and offer Rotate anyway.
  const held = runs.find((r) => r.id === rotator.lastRunId && r.status === "held");
  const steps = await listStepsByRuns({ db, runIds: runs.map((r) => r.id) });
  const runViews = runs.map((r) => toRunView(r, steps.filter((s) => s.runId === r.id)));
  const definition = rotatorMeta(rotator.type);
  const summary = rotator.stateSummary as { current?: Record<string, string> | null; previous?: Record<string, string> | null };
  const canOperate = hasRole(user.role, "operator");
  // A type whose credential is whatever its target answers (external) has every key secret, names unknown here.
  const secretKeys = definition.everyCredentialKeySecret ? ("all" as const) : [...definition.secretCredentialKeys];
  // What a revealed secret was fetched for: any rotation, import, rollback or retirement changes one of these.
  const credentialVersion = (which: "current" | "previous") =>
    `${rotator.stateRevision ?? ""}:${rotator.lastRotatedAt?.getTime() ?? ""}:${rotator.lastRunId ?? ""}:${JSON.stringify(summary[which] ?? null)}`;
  const inputs = rotator.inputs as Record<string, unknown>;
  const configuration = describeConfiguration(rotator.type, inputs, { usesLoginProvider: Boolean(rotator.loginProviderId) });
  return (
    <>
      <p className="muted">
        <Link href="/environments">Environments</Link> / {environment && <Link href={`/environments/${environment.id}`}>{environment.name}</Link>} /
      </p>
      <div className="spread">
        <div>
          <h1>{rotator.name}</h1>
          <p>
            <span className="mono">{rotator.type}</span> · <StatusBadge status={rotatorStatus(rotator, undefined, coverage.get(rotator.id))} /> · last rotated <Time value={rotator.lastRotatedAt} />
          </p>
          {rotator.lastError && <p className="alert alert-error" role="alert">Last error: {rotator.lastError}</p>}
          {behindWarning && <p className="alert alert-warn" data-testid="consumers-behind">{behindWarning}</p>}
        </div>
        {canOperate && <Link className="btn" href={`/rotators/${rotator.id}/edit`}>Edit</Link>}
      </div>
      {held && (
        <HeldRotation
          rotatorId={rotator.id}
          rotatorName={rotator.name}
          heldRunId={held.id}
          finding={held.retiringCheck ? describeRetiringCheck(held.retiringCheck) : (held.errorMessage ?? "")}
          stillUsedBy={held.retiringCheck ? retiringHolders(held.retiringCheck) : []}
          canOperate={canOperate}
        />
      )}
      {/* Full width, so the live progress of a run has room below the button. */}
      {canOperate && (
        <div style={{ marginBottom: "1rem" }}>
          <RotateNow rotatorId={rotator.id} rotatorName={rotator.name} consumersBehind={behindWarning} expectedRevision={environment?.currentRevision ?? 0} />
          <CheckRotation rotatorId={rotator.id} />
          <RollBack
            rotatorId={rotator.id}
            rotatorName={rotator.name}
            effect={rollbackEffectOf(definition)}
            unavailable={rollbackUnavailable(summary)}
            expectedRevision={environment?.currentRevision ?? 0}
          />
        </div>
      )}

      <div className="row" style={{ alignItems: "stretch" }}>
        <section className="card" style={{ flex: 1 }} aria-label="Current credential">
          <h2>Current</h2>
          <CredentialView rotatorId={rotator.id} type={rotator.type} inputs={inputs} which="current" summary={summary.current ?? null} secretKeys={secretKeys} canReveal={canOperate} version={credentialVersion("current")} />
        </section>
        <section className="card" style={{ flex: 1 }} aria-label="Previous credential">
          <h2>Previous</h2>
          <CredentialView rotatorId={rotator.id} type={rotator.type} inputs={inputs} which="previous" summary={summary.previous ?? null} secretKeys={secretKeys} canReveal={canOperate} version={credentialVersion("previous")} />
        </section>
      </div>

      <ScheduleSection target={{ rotatorId: rotator.id }} canEdit={canOperate} subject="this rotator" />

      <h2>Configuration</h2>
      <p data-testid="rotator-reach">
        {definition.binding.kind === "connector" ? (
          connector ? <>Reaches the database through connector <Link href={`/connectors/${connector.id}`}>{connector.name}</Link>.</> : <>Connects to the database directly.</>
        ) : null}
        {definition.binding.kind === "aws-login" ? (
          login ? <>Signs in to AWS with login <Link href={`/aws-logins/${login.id}`}>{login.name}</Link> ({login.kind}).</> : <>Signs in to AWS with the static keys in its configuration.</>
        ) : null}
      </p>
      <dl className="card pairs config" aria-label="Configuration" data-testid="rotator-configuration">
        {configuration.map((row) => (
          <div key={row.path}>
            <dt>{row.label}</dt>
            <dd className="mono">{row.value}</dd>
          </div>
        ))}
      </dl>

      <h2>Run history</h2>
      {runViews.length === 0 ? <p className="muted">No runs yet.</p> : runViews.map((run) => (
        <div key={run.id}>
          <p className="muted"><Time value={run.startedAt} /> · {run.trigger} by {run.actorLabel}</p>
          <RunSteps run={run} />
        </div>
      ))}
      <p><Link href={`/history?rotator=${rotator.id}`}>All runs of {rotator.name}</Link></p>

      {canOperate && (
        <div className="card" style={{ maxWidth: 480 }}>
          <DeleteRotatorForm rotatorId={rotator.id} name={rotator.name} />
        </div>
      )}
    </>
  );
}
