import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { getAppContext } from "@/lib/app-context";
import { listSessions } from "@/lib/auth/sessions";
import { Time } from "@/components/ui/time";
import { RevokeSessionButton } from "./session-forms";
import { changePasswordAction, signOutEverywhereAction } from "./actions";
import { getUserById } from "@/lib/db/queries/users";
import { ChangePasswordForm } from "@/components/account/change-password-form";
import { PASSWORD_MIN_LENGTH } from "@/lib/users/validation";
import { SSO_PASSWORD_MESSAGE } from "@/lib/auth/two-factor";
import { TwoFactorSection } from "./two-factor-section";

export const metadata = { title: "Account" };

/** A short, readable name for a browser from its User-Agent (informational only). */
function browserName(userAgent: string | null): string {
  if (!userAgent) return "unknown client";
  const match = /(Firefox|Edg|Chrome|Safari|curl|node)\/[\d.]+/.exec(userAgent);
  const os = /(Windows|Mac OS X|Linux|Android|iPhone)/.exec(userAgent)?.[1];
  return [match?.[0].replace(/^Edg/, "Edge") ?? userAgent.slice(0, 40), os].filter(Boolean).join(" on ");
}

export default async function AccountPage() {
  await connection();
  const me = await requirePageUser("viewer", "account page");
  const { db } = await getAppContext();
  const sessions = await listSessions({ db, userId: me.id });
  const account = await getUserById({ db, id: me.id });
  const local = Boolean(account?.passwordHash);
  return (
    <>
      <h1>Account</h1>
      <p>{me.email} · {me.role}</p>
      <h2>Password</h2>
      {local ? (
        <div className="card" style={{ maxWidth: 480 }}>
          <ChangePasswordForm action={changePasswordAction} minLength={PASSWORD_MIN_LENGTH} />
        </div>
      ) : (
        <p className="muted" data-testid="sso-account-note">{SSO_PASSWORD_MESSAGE}</p>
      )}
      {local && account && (
        <>
          <h2>Two-factor sign-in</h2>
          <div className="card" style={{ maxWidth: 640 }}>
            <TwoFactorSection enabledAt={account.totpEnabledAt?.toISOString() ?? null} recoveryCodesLeft={account.totpRecoveryCodeHashes.length} />
          </div>
        </>
      )}
      <h2>Active sessions</h2>
      <table aria-label="Active sessions">
        <thead>
          <tr><th>Signed in</th><th>Last seen</th><th>Address</th><th>Browser</th><th>Method</th><th>Actions</th></tr>
        </thead>
        <tbody>
          {sessions.map((s) => {
            const current = s.id === me.sessionId;
            return (
              <tr key={s.id} data-testid={current ? "session-current" : "session-other"}>
                <td><Time value={s.createdAt} /></td>
                <td><Time value={s.lastSeenAt} /></td>
                <td>{s.ip ?? <span className="muted">—</span>}</td>
                <td>{browserName(s.userAgent)}</td>
                <td>{s.method === "oidc" ? "single sign-on" : "password"}</td>
                <td>{current ? <span className="muted">this session</span> : <RevokeSessionButton sessionId={s.id} label={`the session from ${s.createdAt.toISOString().slice(0, 16)}`} />}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <form action={signOutEverywhereAction} style={{ marginTop: "1rem" }}>
        <button className="btn btn-danger" type="submit">Sign out everywhere</button>
        <p className="muted">Ends every session of your account, on every device, this one included.</p>
      </form>
    </>
  );
}
