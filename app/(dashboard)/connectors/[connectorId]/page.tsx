import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getAppContext } from "@/lib/app-context";
import { connectorGuide, getConnectorView } from "@/lib/connectors/service";
import { getLoginProviderView, listLoginChoices } from "@/lib/aws-logins/service";
import type { OidcLoginConfig } from "@/lib/aws-logins/validation";
import { Time } from "@/components/ui/time";
import { CopyBlock } from "@/components/ui/copy-block";
import { ConnectorForm, DeleteConnectorForm, RegenerateSecretButton, TestConnectorButton } from "../connector-forms";
import { isRowId } from "@/lib/db/ids";

export const metadata = { title: "Connector" };

export default async function ConnectorPage({ params }: { params: Promise<{ connectorId: string }> }) {
  await connection();
  const user = await requirePageUser("viewer");
  const { connectorId } = await params;
  if (!isRowId(connectorId)) notFound();
  const app = await getAppContext();
  const connector = await getConnectorView(app, connectorId);
  if (!connector) notFound();
  const isAdmin = hasRole(user.role, "admin");
  const login = connector.loginProviderId ? await getLoginProviderView(app, connector.loginProviderId) : null;
  const roleArn = login?.kind === "oidc" ? (login.config as OidcLoginConfig).roleArn : undefined;
  const guide = connectorGuide(connector, { roleArn });
  const logins = isAdmin ? await listLoginChoices(app) : [];
  const esc = connector.config.mode === "esc";
  return (
    <>
      <p className="muted"><Link href="/connectors">Connectors</Link> /</p>
      <h1>{connector.name}</h1>
      <p>
        aws-lambda · {esc ? "Pulumi ESC-compatible handler" : "Rotor handler"} · <code>{connector.config.functionArn}</code> in <code>{connector.config.region}</code> · login{" "}
        {login ? <Link href={`/aws-logins/${login.id}`}>{login.name}</Link> : "—"} · changed <Time value={connector.updatedAt} />
      </p>
      {esc && (
        <p className="alert alert-info">
          Compatibility mode: a Pulumi ESC connector only changes passwords. It cannot check the database or verify the new password (rotations record the
          verify step as skipped), does not authenticate Rotor&apos;s requests beyond IAM, and chooses TLS to the database itself.
        </p>
      )}
      <p>Used by: {connector.usedBy.join(", ") || "no rotator yet"}</p>

      {isAdmin && (
        <section aria-label="Test">
          <h2>Test</h2>
          <p className="muted">
            Invokes the function with the connector&apos;s login.{" "}
            {esc ? "An ESC connector is sent an event type it ignores." : "Rotor's handler answers a signed hello, proving it holds this connector's secret."}
          </p>
          <TestConnectorButton connectorId={connector.id} />
        </section>
      )}

      <section aria-label="Deployment guide">
        <h2>Deployment guide</h2>
        <ol className="stack">
          {!esc && (
            <li>
              Build the handler: <code>{guide.buildCommand}</code>. Upload <code>dist/connector.zip</code> to S3 (or directly to the function); runtime <code>{guide.runtime}</code>,
              handler <code>index.handler</code>.
            </li>
          )}
          <li>
            Allow the login {roleArn ? <>(role <code>{roleArn}</code>)</> : null} to invoke the function — nothing else:
            <CopyBlock label="IAM policy for the invoking role" text={guide.invokePolicy} />
          </li>
          <li>
            The Lambda&apos;s execution role: trusted by <code>lambda.amazonaws.com</code>, with <code>{guide.executionRoleManagedPolicy}</code> (CloudWatch Logs and the VPC
            network interfaces). It needs no other AWS permission.
            <CopyBlock label="Execution role trust policy" text={guide.executionRoleTrust} />
          </li>
          <li>
            Network:
            <ul>
              {guide.securityGroupRules.map((rule) => (
                <li key={rule}>{rule}</li>
              ))}
            </ul>
          </li>
          {guide.environment.length > 0 && (
            <li>
              Lambda environment:
              <ul>
                {guide.environment.map((v) => (
                  <li key={v.name}><code>{v.name}</code> = <code>{v.value}</code> — {v.note}</li>
                ))}
              </ul>
            </li>
          )}
          {guide.cloudFormation && (
            <li>
              All of the above as a CloudFormation template (parameters: code location, VPC, subnets, database security group and port, secret):
              <CopyBlock label="CloudFormation template" text={guide.cloudFormation} />
            </li>
          )}
        </ol>
      </section>

      {isAdmin && (
        <>
          {!esc && (
            <>
              <h2>Signing secret</h2>
              <p className="muted">Stored encrypted; shown only when generated.</p>
              <RegenerateSecretButton connectorId={connector.id} />
            </>
          )}
          <h2>Edit</h2>
          <div className="card" style={{ maxWidth: 560 }}>
            <ConnectorForm
              logins={logins}
              mode={{
                kind: "edit",
                connectorId: connector.id,
                name: connector.name,
                mode: connector.config.mode,
                functionArn: connector.config.functionArn,
                region: connector.config.region,
                loginProviderId: connector.loginProviderId,
              }}
            />
          </div>
          <h2>Delete</h2>
          <div className="card" style={{ maxWidth: 560 }}>
            <DeleteConnectorForm connectorId={connector.id} name={connector.name} />
          </div>
        </>
      )}
    </>
  );
}
