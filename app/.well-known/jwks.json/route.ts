/**
 * The public keys of Rotor's OIDC issuer (current, next, and recently retired), for AWS STS. Public on
 * purpose: public keys only. Reading never creates or rotates keys (lib/aws-logins/issuer-keys.ts).
 */
import { connection } from "next/server";
import { jwks } from "@/lib/aws-logins/issuer";
import { issuerSettings } from "@/lib/aws-logins/service";
import { getAppContext } from "@/lib/app-context";
import { logError } from "@/lib/log";

export async function GET(): Promise<Response> {
  await connection();
  try {
    const body = await jwks(await getAppContext(), issuerSettings().policy);
    // Short: a rotation publishes a key a whole period ahead, so caches never miss the signing key.
    return Response.json(body, { headers: { "cache-control": "public, max-age=300" } });
  } catch (error) {
    logError("could not serve the JWKS", error);
    return Response.json({ error: "Internal error; see the server log." }, { status: 500 });
  }
}
