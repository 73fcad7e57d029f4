import Link from "next/link";
import { connection } from "next/server";
import { requirePageUser, actorFor } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { getAppContext } from "@/lib/app-context";
import { listTokens, type TokenView } from "@/lib/tokens/tokens";
import { listEnvironmentsWithCounts } from "@/lib/db/queries/environments";
import { SCOPE_DESCRIPTIONS, TOKEN_SCOPE_VALUES } from "@/lib/tokens/validation";
import { env } from "@/lib/env";
import { Time } from "@/components/ui/time";
import { CreateTokenForm, RevokeTokenButton } from "./token-forms";

export const metadata = { title: "API tokens" };

function tokenState(token: TokenView, now: Date): "active" | "expired" | "revoked" {
  if (token.revokedAt) return "revoked";
  if (token.expiresAt && new Date(token.expiresAt) <= now) return "expired";
  return "active";
}

const STATE_BADGE = { active: "badge-ok", expired: "badge-neutral", revoked: "badge-failed" } as const;

export default async function ApiTokensPage() {
  await connection();
  const user = await requirePageUser("viewer");
  const app = await getAppContext();
  const admin = hasRole(user.role, "admin");
  const [tokens, environments] = await Promise.all([
    listTokens(app, { actor: await actorFor(user), user: { id: user.id, email: user.email }, admin }),
    admin ? listEnvironmentsWithCounts({ db: app.db }) : Promise.resolve([]),
  ]);
  const now = new Date();
  return (
    <>
      <h1>API tokens</h1>
      <p className="muted">
        Applications, CI jobs and the <code>rotor</code> CLI read environments through the <Link href="/api-reference">REST API</Link> with a token:{" "}
        <code>Authorization: Bearer rtr_…</code>. A <strong>personal token</strong> acts as you, with your role ({user.role}) as it is at each request.
        {admin ? <> A <strong>service token</strong> has its own scope and may use only the environments you choose.</> : <> Admins create service tokens for applications.</>}
        {" "}Rotor shows a token once and keeps only a hash of it.
      </p>

      <h2>Create a token</h2>
      <div className="card" style={{ maxWidth: 640 }}>
        <CreateTokenForm
          canCreateService={admin}
          environments={environments.map((e) => e.name)}
          scopes={TOKEN_SCOPE_VALUES.map((value) => ({ value, description: SCOPE_DESCRIPTIONS[value] }))}
          apiUrl={`${env().publicUrl}/api/v1`}
        />
      </div>

      <h2>{admin ? "All tokens" : "Your tokens"}</h2>
      {tokens.length === 0 ? (
        <p className="muted">No tokens yet.</p>
      ) : (
        <table aria-label="API tokens">
          <thead>
            <tr><th>Name</th><th>Kind</th><th>Prefix</th><th>Scope</th><th>Environments</th><th>Created</th><th>Last used</th><th>Expires</th><th>State</th><th></th></tr>
          </thead>
          <tbody>
            {tokens.map((t) => {
              const state = tokenState(t, now);
              return (
                <tr key={t.id} data-testid={`token-row-${t.name}`} data-token-id={t.id}>
                  <td>{t.name}</td>
                  <td>{t.kind}{t.owner && <div className="muted">{t.owner}</div>}</td>
                  <td className="mono">{t.prefix}…</td>
                  <td>{t.scope ?? <span className="muted">its owner&apos;s role</span>}</td>
                  <td>{t.environments === "*" ? <span className="muted">all</span> : t.environments.join(", ")}</td>
                  <td><Time value={t.createdAt} /><div className="muted">by {t.createdBy}</div></td>
                  <td>{t.lastUsedAt ? <Time value={t.lastUsedAt} /> : <span className="muted">never</span>}</td>
                  <td>{t.expiresAt ? <Time value={t.expiresAt} /> : <span className="muted">never</span>}</td>
                  <td><span className={`badge ${STATE_BADGE[state]}`}>{state}</span>{t.revokedAt && <div className="muted"><Time value={t.revokedAt} /></div>}</td>
                  <td>{state !== "revoked" && <RevokeTokenButton tokenId={t.id} name={t.name} />}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
