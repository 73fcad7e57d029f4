/**
 * Rotor's OpenID Connect discovery document, for AWS STS to verify the tokens of OIDC logins (lib/aws-logins).
 * Public on purpose: it holds no secret, and AWS fetches it without credentials.
 */
import { connection } from "next/server";
import { discoveryDocument } from "@/lib/aws-logins/issuer";
import { issuerSettings } from "@/lib/aws-logins/service";

export async function GET(): Promise<Response> {
  await connection();
  return Response.json(discoveryDocument(issuerSettings().issuerUrl), { headers: { "cache-control": "public, max-age=3600" } });
}
