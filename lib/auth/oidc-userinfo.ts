import "server-only";
/**
 * The profile claims of a single-sign-on user. Auth.js reads an OIDC provider's profile from the ID token
 * only, but a spec-conforming identity provider (oidc-provider, Okta's "thin" ID token) puts `email`, `name`
 * and group claims only in the userinfo response when the code flow also returns an access token. Without
 * this, such users would be created as `<sub>@<issuer host>` with the default role.
 */
const endpoints = new Map<string, Promise<string | undefined>>();

async function userinfoEndpoint(issuer: string): Promise<string | undefined> {
  let endpoint = endpoints.get(issuer);
  if (!endpoint) {
    endpoint = (async () => {
      const response = await fetch(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`discovery document: HTTP ${response.status}`);
      const document = (await response.json()) as { userinfo_endpoint?: unknown };
      return typeof document.userinfo_endpoint === "string" ? document.userinfo_endpoint : undefined;
    })();
    endpoints.set(issuer, endpoint);
    endpoint.catch(() => endpoints.delete(issuer));
  }
  return endpoint;
}

/**
 * The ID token's claims completed with the userinfo response. Signed ID token claims win where both have
 * a value; userinfo only fills the gaps. Throws when userinfo is for another subject or cannot be read.
 */
export async function completeOidcProfile({
  issuer,
  accessToken,
  idTokenClaims,
}: {
  issuer: string;
  accessToken: string | undefined;
  idTokenClaims: Record<string, unknown>;
}): Promise<Record<string, unknown>> {
  if (!accessToken) return idTokenClaims;
  const endpoint = await userinfoEndpoint(issuer);
  if (!endpoint) return idTokenClaims;
  const response = await fetch(endpoint, {
    headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`userinfo: HTTP ${response.status}`);
  // A signed or encrypted userinfo response (application/jwt) is not used: the ID token alone must do.
  if (!(response.headers.get("content-type") ?? "").includes("json")) return idTokenClaims;
  const userinfo = (await response.json()) as Record<string, unknown>;
  if (userinfo.sub !== idTokenClaims.sub) throw new Error("userinfo is for a different subject than the ID token");
  const merged: Record<string, unknown> = { ...userinfo };
  for (const [key, value] of Object.entries(idTokenClaims)) if (value !== undefined && value !== null) merged[key] = value;
  return merged;
}
