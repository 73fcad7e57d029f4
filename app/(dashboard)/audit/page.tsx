import Link from "next/link";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getAppContext } from "@/lib/app-context";
import { listAuditEvents } from "@/lib/db/queries/audit";
import { auditQuerySchema } from "@/lib/audit/validation";
import { EmptyState } from "@/components/ui/empty-state";
import { Time } from "@/components/ui/time";
import { VerifyChainButton } from "./verify-button";
import { ActorInput } from "./actor-input";

export const metadata = { title: "Audit" };
const PAGE_SIZE = 50;

/**
 * An event's details, one `"key":value` per line, wrapping anywhere: ids, errors and ARNs are long words, and
 * a single JSON line pushed the table wider than the page.
 */
function AuditDetails({ details }: { details: Record<string, unknown> }) {
  const entries = Object.entries(details ?? {});
  if (entries.length === 0) return null;
  return (
    <div className="details mono">
      {entries.map(([key, value]) => (
        <div key={key}>{`${JSON.stringify(key)}:${JSON.stringify(value)}`}</div>
      ))}
    </div>
  );
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await connection();
  const user = await requirePageUser("viewer");
  const raw = await searchParams;
  const parsed = auditQuerySchema.safeParse(raw);
  const query = parsed.success ? parsed.data : {};
  const { before, ...filter } = query as { before?: number } & Record<string, never>;
  const { db } = await getAppContext();
  const { events, nextBefore } = await listAuditEvents({ db, filter, before, limit: PAGE_SIZE });
  const filterParams = new URLSearchParams(
    Object.entries(raw).filter(([k, v]) => k !== "before" && typeof v === "string" && v !== ""),
  );
  const withBefore = (id: number) => {
    const p = new URLSearchParams(filterParams);
    p.set("before", String(id));
    return `/audit?${p}`;
  };
  return (
    <>
      <div className="spread">
        <h1>Audit log</h1>
        <div className="row">
          {hasRole(user.role, "admin") && <VerifyChainButton />}
          <a className="btn" href={`/audit/export?${filterParams}`} download>Export CSV</a>
        </div>
      </div>
      {!parsed.success && <p className="alert alert-error" role="alert">{parsed.error.issues[0].message}</p>}
      <form className="filters" method="get" aria-label="Filter audit events">
        <label>Actor<ActorInput defaultValue={raw.actor ?? ""} /></label>
        <label>Action<input name="action" defaultValue={raw.action ?? ""} placeholder="e.g. auth.sign_in" /></label>
        <label>Target<input name="target" defaultValue={raw.target ?? ""} /></label>
        <label>From<input name="from" type="datetime-local" defaultValue={raw.from ?? ""} /></label>
        <label>To<input name="to" type="datetime-local" defaultValue={raw.to ?? ""} /></label>
        <button className="btn" type="submit">Filter</button>
        <Link className="btn" href="/audit">Clear</Link>
      </form>
      {events.length === 0 ? (
        <EmptyState title="No matching events" />
      ) : (
        <table aria-label="Audit events" className="audit-table">
          <thead>
            <tr><th>#</th><th>When</th><th>Actor</th><th>Action</th><th>Outcome</th><th>Target</th><th>Details</th></tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td className="mono">{e.id}</td>
                <td className="nowrap"><Time value={e.at} /></td>
                <td>{e.actorLabel}{e.ip ? <div className="muted mono">{e.ip}</div> : null}</td>
                <td className="mono">{e.action}</td>
                <td><span className={`badge badge-${e.outcome === "success" ? "ok" : e.outcome}`}>{e.outcome}</span></td>
                <td>{e.targetLabel ?? e.targetId ?? ""}{e.targetType ? <div className="muted">{e.targetType}</div> : null}</td>
                <td><AuditDetails details={e.details as Record<string, unknown>} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row" style={{ marginTop: "1rem" }}>
        {before && <Link className="btn" href={`/audit?${filterParams}`}>Newest</Link>}
        {nextBefore && <Link className="btn" href={withBefore(nextBefore)}>Older</Link>}
      </div>
    </>
  );
}
