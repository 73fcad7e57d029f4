import { connection } from "next/server";
import { redirect } from "next/navigation";
import { LoginForm } from "./login-form";
import { ssoSignInAction } from "./actions";
import { env } from "@/lib/env";
import { CHANGE_PASSWORD_PATH, getCurrentUser, getPasswordChangeUser } from "@/lib/auth/session";

export const metadata = { title: "Sign in" };

const MESSAGES: Record<string, string> = {
  created: "The admin account is ready. Sign in with it.",
  session: "Your session is no longer valid (expired, signed out elsewhere, or changed by an admin). Sign in again.",
  AccessDenied: "Single sign-on was refused: your account is disabled, or its email belongs to a local account. Ask an admin.",
  Configuration: "Sign-in is misconfigured on the server. An admin can check the server log.",
  OAuthCallbackError: "The identity provider did not complete the sign-in. Try again.",
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  await connection();
  if (await getCurrentUser()) redirect("/");
  if (await getPasswordChangeUser()) redirect(CHANGE_PASSWORD_PATH);
  const params = await searchParams;
  const notice =
    MESSAGES[params.reason ?? ""] ??
    (params.error ? MESSAGES[params.error] ?? "Sign-in failed. Try again." : params.created ? MESSAGES.created : undefined);
  const oidc = env().oidc;
  return (
    <div className="center-page">
      <div className="card">
        <h1>Sign in to Rotor</h1>
        {notice && <p className="alert alert-info" role="status">{notice}</p>}
        <LoginForm />
        {oidc && (
          <form action={ssoSignInAction} style={{ marginTop: "1rem" }}>
            <button className="btn" type="submit" style={{ width: "100%", justifyContent: "center" }}>
              Sign in with {oidc.name}
            </button>
          </form>
        )}
      </div>
    </div>
  );
}
