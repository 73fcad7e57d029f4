import Link from "next/link";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getAppContext } from "@/lib/app-context";
import { issuerKeysSummary, issuerSettings, listLoginProviderViews } from "@/lib/aws-logins/service";
import { DISCOVERY_PATH, JWKS_PATH } from "@/lib/aws-logins/issuer";
import type { OidcLoginConfig, StaticLoginConfig } from "@/lib/aws-logins/validation";
import { EmptyState } from "@/components/ui/empty-state";
import { Time } from "@/components/ui/time";
import { LoginForm, RotateIssuerKeysButton } from "./login-forms";

export const metadata = { title: "AWS logins" };

export default async function AwsLoginsPage() {
  await connection();
  const user = await requirePageUser("viewer");
  const isAdmin = hasRole(user.role, "admin");
  const app = await getAppContext();
  const [logins, keys] = await Promise.all([listLoginProviderViews(app), issuerKeysSummary(app)]);
  const { issuerUrl } = issuerSettings();
  return (
    <>
      <h1>AWS logins</h1>
      <p className="muted">How Rotor gets AWS credentials for aws-iam rotators and for invoking connectors: static keys, or OpenID Connect — Rotor signs a short-lived token and exchanges it for a role, so no AWS secret is stored.</p>
      {logins.length === 0 ? (
        <EmptyState title="No AWS logins yet">
          <p>A login tells Rotor how to get AWS credentials: static keys or OpenID Connect.</p>
        </EmptyState>
      ) : (
        <table aria-label="AWS logins">
          <thead>
            <tr><th>Name</th><th>Kind</th><th>Details</th><th>Used by</th></tr>
          </thead>
          <tbody>
            {logins.map((login) => (
              <tr key={login.id} data-testid={`login-row-${login.name}`}>
                <td><Link href={`/aws-logins/${login.id}`}>{login.name}</Link></td>
                <td>{login.kind === "oidc" ? "OpenID Connect" : "static keys"}</td>
                <td className="mono">
                  {login.kind === "oidc"
                    ? `${(login.config as OidcLoginConfig).roleArn} · aud ${(login.config as OidcLoginConfig).audience}`
                    : `${(login.config as StaticLoginConfig).accessKeyId} · ${login.config.region}`}
                </td>
                <td>{[...login.usedBy.rotators, ...login.usedBy.connectors.map((c) => `connector ${c}`)].join(", ") || <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Rotor as OpenID Connect issuer</h2>
      <div className="card stack">
        <p>
          Issuer (identity provider URL for AWS): <code data-testid="issuer-url">{issuerUrl}</code>
          <br />
          Discovery: <a href={`${issuerUrl}${DISCOVERY_PATH}`}><code>{DISCOVERY_PATH}</code></a> · Keys: <a href={`${issuerUrl}${JWKS_PATH}`}><code>{JWKS_PATH}</code></a>
        </p>
        {!issuerUrl.startsWith("https://") && (
          <p className="alert alert-error" role="alert">
            AWS only trusts issuers it can reach over https. Set ROTOR_PUBLIC_URL to Rotor&apos;s public https URL before using OpenID Connect logins with AWS.
          </p>
        )}
        {keys.current ? (
          <p className="muted">
            Signing key <code>{keys.current.kid.slice(0, 16)}…</code> current since <Time value={keys.current.activatedAt} />; next key{" "}
            <code>{keys.next?.kid.slice(0, 16)}…</code> already published; rotates on <Time value={keys.nextRotationAt} />.
            {keys.retired.length > 0 && ` ${keys.retired.length} retired key(s) still published until their tokens expire.`}
          </p>
        ) : (
          <p className="muted">No signing keys yet: they are created with the first OpenID Connect login.</p>
        )}
        {isAdmin && keys.current && <RotateIssuerKeysButton />}
      </div>

      {isAdmin && (
        <>
          <h2>Add a login</h2>
          <div className="card" style={{ maxWidth: 560 }}>
            <LoginForm mode={{ kind: "create" }} />
          </div>
        </>
      )}
    </>
  );
}
