import Link from "next/link";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { getAppContext } from "@/lib/app-context";
import { listUsers } from "@/lib/users/service";
import { ROLE_DESCRIPTIONS } from "@/lib/auth/roles";
import { AddUserForm, LiftLockButton, ResetPasswordForm, UserRowActions } from "./user-forms";
import { labelOfKey, listLocks } from "@/lib/auth/sign-in-throttle";
import { Time } from "@/components/ui/time";

export const metadata = { title: "Settings" };

export default async function SettingsPage() {
  await connection();
  const me = await requirePageUser("admin", "settings page");
  const { db } = await getAppContext();
  const users = await listUsers({ db });
  const locks = await listLocks({ db });
  return (
    <>
      <h1>Settings</h1>
      <p><Link href="/settings/webhooks">Webhooks</Link> <span className="muted">— notifications of failed, overdue and recovered rotations</span></p>
      <h2>Users</h2>
      <table aria-label="Users">
        <thead>
          <tr><th>Email</th><th>Name</th><th>Role</th><th>Sign-in</th><th>Status</th><th>Actions</th></tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} data-testid={`user-row-${u.email}`}>
              <td>{u.email}{u.id === me.id ? <span className="muted"> (you)</span> : null}</td>
              <td>{u.name}</td>
              <td title={ROLE_DESCRIPTIONS[u.role]}>{u.role}</td>
              <td>{u.authSource === "oidc" ? "single sign-on" : "password"}</td>
              <td>{u.disabledAt ? <span className="badge badge-failed">disabled</span> : <span className="badge badge-ok">active</span>}</td>
              <td>
                <UserRowActions userId={u.id} email={u.email} role={u.role} disabled={Boolean(u.disabledAt)} />
                {u.authSource === "local" && u.id !== me.id && <ResetPasswordForm userId={u.id} email={u.email} />}
                {u.mustChangePassword && <span className="muted"> must change password</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Sign-in locks</h2>
      {locks.length === 0 ? (
        <p className="muted">No account or address is locked. Too many failed sign-ins lock one for a while.</p>
      ) : (
        <table aria-label="Sign-in locks">
          <thead>
            <tr><th>Locked</th><th>Failures</th><th>Since</th><th>Until</th><th>Actions</th></tr>
          </thead>
          <tbody>
            {locks.map((l) => (
              <tr key={l.key}>
                <td>{labelOfKey(l.key)}</td>
                <td>{l.failures}</td>
                <td><Time value={l.lockedAt} /></td>
                <td><Time value={l.blockedUntil} /></td>
                <td><LiftLockButton lockKey={l.key} label={labelOfKey(l.key)} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Add a user</h2>
      <div className="card" style={{ maxWidth: 480 }}>
        <AddUserForm />
      </div>
    </>
  );
}
