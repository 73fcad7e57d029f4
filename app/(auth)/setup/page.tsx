import { connection } from "next/server";
import Link from "next/link";
import { getAppContext } from "@/lib/app-context";
import { checkSetupToken, SETUP_STATUS_MESSAGES } from "@/lib/users/setup";
import { SetupForm } from "./setup-form";

export const metadata = { title: "Set up Rotor" };

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  await connection();
  const { token } = await searchParams;
  const { db } = await getAppContext();
  const status = await checkSetupToken({ db, token });
  // Once an admin exists there is nothing to set up: a used (or bookmarked) link leads to sign-in.
  if (status === "done") {
    return (
      <div className="center-page">
        <div className="card">
          <h1>Rotor is already set up</h1>
          <p className="alert alert-info" role="status">{SETUP_STATUS_MESSAGES.done}</p>
          <Link className="btn btn-primary" href="/login">Sign in</Link>
        </div>
      </div>
    );
  }
  return (
    <div className="center-page">
      <div className="card">
        <h1>Set up Rotor</h1>
        {status === "valid" ? (
          <>
            <p className="muted">Create the first admin. You can add more users, and single sign-on, afterwards.</p>
            <SetupForm token={token!} />
          </>
        ) : (
          <p className="alert alert-error" role="alert">{SETUP_STATUS_MESSAGES[status]}</p>
        )}
      </div>
    </div>
  );
}
