import Link from "next/link";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getAppContext } from "@/lib/app-context";
import { listConnectorViews } from "@/lib/connectors/service";
import { listLoginChoices } from "@/lib/aws-logins/service";
import { EmptyState } from "@/components/ui/empty-state";
import { ConnectorForm } from "./connector-forms";

export const metadata = { title: "Connectors" };

export default async function ConnectorsPage() {
  await connection();
  const user = await requirePageUser("viewer");
  const isAdmin = hasRole(user.role, "admin");
  const app = await getAppContext();
  const [connectors, logins] = await Promise.all([listConnectorViews(app), isAdmin ? listLoginChoices(app) : Promise.resolve([])]);
  return (
    <>
      <h1>Connectors</h1>
      <p className="muted">
        A connector lets Rotor reach a database inside a private network: Rotor invokes a small AWS Lambda in the VPC, which changes and verifies the
        password there. PostgreSQL and MySQL rotators choose a connector or <em>direct</em>.
      </p>
      {connectors.length === 0 ? (
        <EmptyState title="No connectors yet">
          <p>A connector lets Rotor reach a database inside a private network.</p>
        </EmptyState>
      ) : (
        <table aria-label="Connectors">
          <thead>
            <tr><th>Name</th><th>Handler</th><th>Function</th><th>Login</th><th>Used by</th></tr>
          </thead>
          <tbody>
            {connectors.map((c) => (
              <tr key={c.id} data-testid={`connector-row-${c.name}`}>
                <td><Link href={`/connectors/${c.id}`}>{c.name}</Link></td>
                <td>{c.config.mode === "esc" ? "Pulumi ESC-compatible" : "Rotor"}</td>
                <td className="mono">{c.config.functionArn} ({c.config.region})</td>
                <td>{c.loginName ?? <span className="muted">—</span>}</td>
                <td>{c.usedBy.join(", ") || <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {isAdmin && (
        <>
          <h2>Add a connector</h2>
          <div className="card" style={{ maxWidth: 560 }}>
            <ConnectorForm mode={{ kind: "create" }} logins={logins} />
          </div>
        </>
      )}
    </>
  );
}
