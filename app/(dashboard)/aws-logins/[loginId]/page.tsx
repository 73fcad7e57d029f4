import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getAppContext } from "@/lib/app-context";
import { getLoginProviderView, loginSetup } from "@/lib/aws-logins/service";
import type { OidcLoginConfig, StaticLoginConfig } from "@/lib/aws-logins/validation";
import { Time } from "@/components/ui/time";
import { CopyBlock } from "@/components/ui/copy-block";
import { DeleteLoginForm, LoginForm, TestLoginButton } from "../login-forms";
import { isRowId } from "@/lib/db/ids";

export const metadata = { title: "Login" };

export default async function LoginPage({ params }: { params: Promise<{ loginId: string }> }) {
  await connection();
  const user = await requirePageUser("viewer");
  const { loginId } = await params;
  if (!isRowId(loginId)) notFound();
  const login = await getLoginProviderView(await getAppContext(), loginId);
  if (!login) notFound();
  const isAdmin = hasRole(user.role, "admin");
  const setup = loginSetup(login);
  const oidc = login.kind === "oidc" ? (login.config as OidcLoginConfig) : null;
  const staticConfig = login.kind === "static" ? (login.config as StaticLoginConfig) : null;
  return (
    <>
      <p className="muted"><Link href="/aws-logins">AWS logins</Link> /</p>
      <h1>{login.name}</h1>
      <p>
        {login.kind === "oidc" ? "OpenID Connect" : "Static access keys"} · region <code>{login.config.region}</code> · changed <Time value={login.updatedAt} />
      </p>
      <dl className="card">
        {oidc && (
          <>
            <dt>Role</dt><dd><code>{oidc.roleArn}</code></dd>
            <dt>Audience</dt><dd><code>{oidc.audience}</code></dd>
            <dt>Subject</dt><dd><code>{oidc.subjectTemplate}</code> (e.g. <code>{setup?.subjectPattern}</code> in the trust policy)</dd>
            <dt>Session</dt><dd><code>{oidc.sessionName}</code>, {oidc.durationSeconds} s{oidc.policyArns.length > 0 && <> · session policies {oidc.policyArns.map((p) => <code key={p}> {p}</code>)}</>}</dd>
          </>
        )}
        {staticConfig && (
          <>
            <dt>Access key id</dt><dd><code>{staticConfig.accessKeyId}</code> (secret stored encrypted)</dd>
          </>
        )}
        <dt>Used by</dt>
        <dd>{[...login.usedBy.rotators.map((r) => `rotator ${r}`), ...login.usedBy.connectors.map((c) => `connector ${c}`)].join(", ") || "nothing yet"}</dd>
      </dl>

      {isAdmin && (
        <section aria-label="Test">
          <h2>Test</h2>
          <p className="muted">Gets credentials the way a rotation does{oidc ? " (a freshly signed token exchanged with sts:AssumeRoleWithWebIdentity)" : ""} and asks AWS who they are (GetCallerIdentity).</p>
          <TestLoginButton loginProviderId={login.id} />
        </section>
      )}

      {setup && (
        <section aria-label="Set up in AWS">
          <h2>Set up in AWS</h2>
          {!setup.httpsIssuer && (
            <p className="alert alert-error" role="alert">Rotor&apos;s public URL is not https: AWS will not accept this issuer. Set ROTOR_PUBLIC_URL.</p>
          )}
          <ol className="stack">
            <li>
              IAM → Identity providers → Add provider → OpenID Connect. Provider URL <code data-testid="provider-url">{setup.issuerUrl}</code>, audience{" "}
              <code data-testid="provider-audience">{setup.audience}</code>. AWS fetches <code>{setup.discoveryUrl}</code> and <code>{setup.jwksUrl}</code>.
            </li>
            <li>
              Give the role <code>{oidc?.roleArn}</code> this trust policy (it trusts only tokens from this Rotor, for this audience, whose subject matches{" "}
              <code>{setup.subjectPattern}</code>), and the permissions its rotators need (for connectors: <code>lambda:InvokeFunction</code> on the function).
              <CopyBlock label="Trust policy" text={setup.trustPolicy} />
            </li>
            <li>
              Or with the AWS CLI:
              <CopyBlock label="AWS CLI" text={setup.commands} />
            </li>
          </ol>
        </section>
      )}

      {isAdmin && (
        <>
          <h2>Edit</h2>
          <div className="card" style={{ maxWidth: 560 }}>
            <LoginForm mode={{ kind: "edit", loginProviderId: login.id, loginKind: login.kind, name: login.name, config: login.config }} />
          </div>
          <h2>Delete</h2>
          <div className="card" style={{ maxWidth: 560 }}>
            <DeleteLoginForm loginProviderId={login.id} name={login.name} />
          </div>
        </>
      )}
    </>
  );
}
