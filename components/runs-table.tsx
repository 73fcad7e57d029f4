import Link from "next/link";
import type { RotationRun } from "@/lib/db/schema";
import { StatusBadge } from "./ui/status-badge";
import { Time } from "./ui/time";
import { Duration } from "./ui/duration";

type RunRow = Pick<
  RotationRun,
  "id" | "startedAt" | "finishedAt" | "environmentId" | "environmentName" | "rotatorId" | "rotatorName" | "rotatorType" | "trigger" | "actorLabel" | "status" | "errorMessage"
>;

/** Rotation runs, newest first, as the history and the overview list them; each links to its steps. */
export function RunsTable({ runs, label }: { runs: RunRow[]; label: string }) {
  return (
    <table aria-label={label}>
      <thead>
        <tr><th>Started</th><th>Duration</th><th>Environment</th><th>Rotator</th><th>Type</th><th>Trigger</th><th>By</th><th>Status</th><th>Error</th></tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id}>
            <td><Link href={`/history/${r.id}`} title="Steps of this run"><Time value={r.startedAt} /></Link></td>
            <td className="nowrap"><Duration from={r.startedAt} to={r.finishedAt} /></td>
            <td>{r.environmentId ? <Link href={`/environments/${r.environmentId}`}>{r.environmentName}</Link> : r.environmentName}</td>
            <td>{r.rotatorId ? <Link href={`/rotators/${r.rotatorId}`}>{r.rotatorName}</Link> : r.rotatorName}</td>
            <td className="mono">{r.rotatorType}</td>
            <td>{r.trigger}</td>
            <td>{r.actorLabel}</td>
            <td><StatusBadge status={r.status} /></td>
            <td className="field-error">{r.errorMessage}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
