import Link from "next/link";
import { RunsTable } from "@/components/runs-table";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { getAppContext } from "@/lib/app-context";
import { listRuns } from "@/lib/db/queries/runs";
import { listEnvironmentsWithCounts } from "@/lib/db/queries/environments";
import { historyQuerySchema } from "@/lib/rotation/history-query";
import { RUN_STATUSES, RUN_TRIGGERS } from "@/lib/db/vocabulary";
import { ROTATOR_TYPES } from "@/lib/rotators/types";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "History" };
const PAGE_SIZE = 50;

function Select({ name, label, value, options }: { name: string; label: string; value?: string; options: { value: string; label: string }[] }) {
  return (
    <label>
      {label}
      <select name={name} defaultValue={value ?? ""}>
        <option value="">any</option>
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </label>
  );
}

export default async function HistoryPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await connection();
  await requirePageUser("viewer");
  const raw = await searchParams;
  const query = historyQuerySchema.parse(raw);
  const { db } = await getAppContext();
  const [{ runs, next }, environments] = await Promise.all([
    listRuns({
      db,
      filter: { environmentId: query.environment, rotatorId: query.rotator, rotatorType: query.type, status: query.status, trigger: query.trigger },
      after: query.after,
      limit: PAGE_SIZE,
    }),
    listEnvironmentsWithCounts({ db }),
  ]);
  const filterParams = new URLSearchParams(Object.entries(raw).filter(([k, v]) => k !== "after" && v));
  const nextHref = next ? `/history?${new URLSearchParams({ ...Object.fromEntries(filterParams), after: `${next.startedAt.toISOString()}_${next.id}` })}` : null;
  return (
    <>
      <h1>History</h1>
      <form className="filters" method="get" aria-label="Filter runs">
        <Select name="environment" label="Environment" value={query.environment} options={environments.map((e) => ({ value: e.id, label: e.name }))} />
        <Select name="type" label="Type" value={query.type} options={ROTATOR_TYPES.map((t) => ({ value: t, label: t }))} />
        <Select name="status" label="Status" value={query.status} options={RUN_STATUSES.map((s) => ({ value: s, label: s }))} />
        <Select name="trigger" label="Trigger" value={query.trigger} options={RUN_TRIGGERS.map((s) => ({ value: s, label: s }))} />
        {query.rotator && <input type="hidden" name="rotator" value={query.rotator} />}
        <button className="btn" type="submit">Filter</button>
        <Link className="btn" href="/history">Clear</Link>
      </form>
      {runs.length === 0 ? (
        <EmptyState title="No rotation runs"><p>Every rotation, manual or scheduled, is listed here with its steps and result.</p></EmptyState>
      ) : (
        <RunsTable runs={runs} label="Runs" />
      )}
      <div className="row" style={{ marginTop: "1rem" }}>
        {query.after && <Link className="btn" href={`/history?${filterParams}`}>Newest</Link>}
        {nextHref && <Link className="btn" href={nextHref}>Older</Link>}
      </div>
    </>
  );
}
