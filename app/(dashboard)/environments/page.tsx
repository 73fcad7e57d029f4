import Link from "next/link";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getAppContext } from "@/lib/app-context";
import { listEnvironmentsWithCounts } from "@/lib/db/queries/environments";
import { EmptyState } from "@/components/ui/empty-state";
import { Time } from "@/components/ui/time";
import { CreateEnvironmentForm } from "./create-environment-form";

export const metadata = { title: "Environments" };

export default async function EnvironmentsPage() {
  await connection();
  const user = await requirePageUser("viewer");
  const { db } = await getAppContext();
  const environments = await listEnvironmentsWithCounts({ db });
  return (
    <>
      <div className="spread">
        <h1>Environments</h1>
        {hasRole(user.role, "admin") && <Link className="btn" href="/environments/import">Import from Pulumi ESC</Link>}
      </div>
      {environments.length === 0 ? (
        <EmptyState title="No environments yet">
          <p>An environment groups the rotated secrets an application reads together.</p>
        </EmptyState>
      ) : (
        <table aria-label="Environments">
          <thead>
            <tr><th>Name</th><th>Description</th><th>Rotators</th><th>Revision</th><th>Updated</th></tr>
          </thead>
          <tbody>
            {environments.map((e) => (
              <tr key={e.id}>
                <td><Link href={`/environments/${e.id}`}>{e.name}</Link></td>
                <td>{e.description}</td>
                <td>{e.rotatorCount}</td>
                <td>{e.currentRevision}</td>
                <td><Time value={e.updatedAt} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hasRole(user.role, "operator") && (
        <>
          <h2>New environment</h2>
          <div className="card" style={{ maxWidth: 480 }}>
            <CreateEnvironmentForm />
          </div>
        </>
      )}
    </>
  );
}
