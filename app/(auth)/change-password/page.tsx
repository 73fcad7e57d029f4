import { connection } from "next/server";
import { redirect } from "next/navigation";
import { getCurrentUser, getPasswordChangeUser } from "@/lib/auth/session";
import { ChangePasswordForm } from "@/components/account/change-password-form";
import { PASSWORD_MIN_LENGTH } from "@/lib/users/validation";
import { signOutAction } from "@/app/(dashboard)/actions";
import { forcedChangePasswordAction } from "./actions";

export const metadata = { title: "Change your password" };

/** Where every page sends a user whose password an admin reset, until they choose a new one. */
export default async function ChangePasswordPage() {
  await connection();
  const user = await getPasswordChangeUser();
  if (!user) redirect((await getCurrentUser()) ? "/account" : "/login");
  return (
    <div className="center-page">
      <div className="card">
        <h1>Change your password</h1>
        <p className="alert alert-info" role="status">
          An admin reset the password of {user.email}. Choose a new one to continue: type the temporary password as the current one.
        </p>
        <ChangePasswordForm action={forcedChangePasswordAction} minLength={PASSWORD_MIN_LENGTH} submitLabel="Change password and continue" />
        <form action={signOutAction} style={{ marginTop: "1rem" }}>
          <button className="btn" type="submit">Sign out</button>
        </form>
      </div>
    </div>
  );
}
