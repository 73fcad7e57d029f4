import Link from "next/link";
import { RunsTable } from "@/components/runs-table";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getAppContext } from "@/lib/app-context";
import { getOverview, STATUS_ORDER, type RotatorWithStatus } from "@/lib/overview/overview";
import { EmptyState } from "@/components/ui/empty-state";
import { StatusBadge } from "@/components/ui/status-badge";
import { Time } from "@/components/ui/time";
import { RunsChart } from "@/components/overview/runs-chart";
import { RotateNow } from "./rotators/[rotatorId]/rotate-now";
import { consumersBehindWarnings } from "@/lib/environments/consumers";

export const metadata = { title: "Overview" };

function StatusDetail({ rotator }: { rotator: RotatorWithStatus }) {
  switch (rotator.status) {
    case "failing":
      return <>since <Time value={rotator.since} /></>;
    case "retrying":
      return <>next attempt at <Time value={rotator.nextAttemptAt} /></>;
    case "overdue":
      return <>due since <Time value={rotator.dueAt} /></>;
    default:
      return null;
  }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export default async function OverviewPage() {
  await connection();
  const user = await requirePageUser("viewer");
  const app = await getAppContext();
  const overview = await getOverview(app);
  const canOperate = hasRole(user.role, "operator");
  const behind = canOperate ? await consumersBehindWarnings({ db: app.db, rotatorIds: overview.attention.map((r) => r.id) }) : new Map<string, string | null>();
  const shown = STATUS_ORDER.filter((s) => overview.counts[s] > 0 || ["failing", "overdue", "healthy"].includes(s));

  return (
    <>
      <h1>Overview</h1>
      {overview.rotatorCount === 0 && (
        <EmptyState title="No rotations yet">
          <p>Create an environment and add rotators to start rotating credentials.</p>
          <Link className="btn btn-primary" href="/environments">Go to environments</Link>
        </EmptyState>
      )}

      <section aria-label="Counts" className="row" style={{ alignItems: "stretch" }}>
        <div className="card" data-testid="count-environments">
          <div className="muted">Environments</div>
          <div style={{ fontSize: "1.6rem", fontWeight: 700 }}>{overview.environmentCount}</div>
        </div>
        <div className="card" data-testid="count-rotators">
          <div className="muted">Rotators</div>
          <div style={{ fontSize: "1.6rem", fontWeight: 700 }}>{overview.rotatorCount}</div>
        </div>
        {shown.map((status) => (
          <div className="card" key={status} data-testid={`count-${status.replace(" ", "-")}`}>
            <div><StatusBadge status={status} /></div>
            <div style={{ fontSize: "1.6rem", fontWeight: 700, color: overview.counts[status] > 0 && ["failing", "overdue"].includes(status) ? "var(--danger)" : undefined }}>
              {overview.counts[status]}
            </div>
          </div>
        ))}
      </section>

      <h2>Needs attention</h2>
      {overview.attention.length === 0 ? (
        <p className="muted" data-testid="nothing-to-attend">Nothing is failing, retrying or overdue.</p>
      ) : (
        <table aria-label="Needs attention">
          <thead>
            <tr><th>Rotator</th><th>Environment</th><th>Status</th><th>Last error</th>{canOperate && <th></th>}</tr>
          </thead>
          <tbody>
            {overview.attention.map((r) => (
              <tr key={r.id}>
                <td><Link href={`/rotators/${r.id}`}>{r.name}</Link> <span className="mono muted">{r.type}</span></td>
                <td><Link href={`/environments/${r.environmentId}`}>{r.environmentName}</Link></td>
                <td><StatusBadge status={r.status} /> <span className="muted"><StatusDetail rotator={r} /></span></td>
                <td className="field-error">{r.lastError}</td>
                {canOperate && <td><RotateNow rotatorId={r.id} rotatorName={r.name} consumersBehind={behind.get(r.id) ?? null} expectedRevision={r.stateRevision ?? 0} /></td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Upcoming rotations</h2>
      {overview.upcoming.length === 0 ? (
        <p className="muted" data-testid="upcoming-none">
          {overview.counts.paused > 0
            ? <>Nothing runs automatically: {plural(overview.counts.paused, "rotator has its schedule", "rotators have their schedules")} paused. Resume on the rotator or environment page.</>
            : <>Nothing is scheduled. Add a schedule on a rotator or an environment page.</>}
        </p>
      ) : (
        <table aria-label="Upcoming rotations">
          <thead>
            <tr><th>When</th><th>What</th><th>Environment</th><th>Schedule</th></tr>
          </thead>
          <tbody>
            {overview.upcoming.map((u) => (
              <tr key={u.scheduleId}>
                <td><Time value={u.at} />{u.retry && <> <StatusBadge status="retrying" /></>}</td>
                <td>{u.rotator ? <Link href={`/rotators/${u.rotator.id}`}>{u.rotator.name}</Link> : <span>every rotator</span>}</td>
                <td><Link href={`/environments/${u.environment.id}`}>{u.environment.name}</Link></td>
                <td className="muted">{u.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {overview.upcoming.length > 0 && overview.counts.paused > 0 && (
        <p className="muted" data-testid="upcoming-paused">Not listed: {plural(overview.counts.paused, "rotator whose schedule is", "rotators whose schedules are")} paused.</p>
      )}

      <h2>Rotations per day</h2>
      <RunsChart days={overview.perDay} />

      <h2>Recent runs</h2>
      {overview.recentRuns.length === 0 ? (
        <p className="muted">No runs yet.</p>
      ) : (
        <RunsTable runs={overview.recentRuns} label="Recent runs" />
      )}
      <p><Link href="/history">All runs</Link></p>
    </>
  );
}
