import "server-only";
/**
 * Rotor as an OpenID Connect issuer, for two kinds of relying parties: AWS STS
 * (sts:AssumeRoleWithWebIdentity), and the adapters of `external` rotators (mintAdapterToken below). The issuer is Rotor's public URL; AWS fetches
 * `<issuer>/.well-known/openid-configuration` and the `jwks_uri` it names, and checks each token's signature,
 * `iss`, `aud`, `exp` and the role's trust-policy conditions on `aud` and `sub`.
 *
 * Tokens are short-lived (ROTOR_ISSUER_TOKEN_TTL_SECONDS, default 5 min) and minted per use; they are never
 * stored. Claims:
 *   iss  the public URL          sub  the login's subject template, filled in (./subject.ts)
 *   aud  the login's audience (default sts.amazonaws.com)
 *   iat, exp, jti                rotor_environment, rotor_rotator, rotor_login, rotor_purpose (for the audit trail)
 */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { AppContext } from "../app-context";
import { ensureIssuerKeys, publishedKeys, signingKeyOf, SIGNING_ALG, type IssuerKeyPolicy } from "./issuer-keys";
import { DEFAULT_SUBJECT_TEMPLATE, renderTemplate, type SubjectVariables, type TokenPurpose } from "./subject";

export const DISCOVERY_PATH = "/.well-known/openid-configuration";
export const JWKS_PATH = "/.well-known/jwks.json";
export const DEFAULT_AUDIENCE = "sts.amazonaws.com";

export const TOKEN_CLAIMS = ["iss", "sub", "aud", "iat", "exp", "jti", "rotor_environment", "rotor_rotator", "rotor_login", "rotor_purpose", "body_hash", "rotor_request_id"] as const;

/** The discovery document (OpenID Connect Discovery 1.0, the parts a token verifier uses; Rotor has no
 *  authorization endpoint: it only issues tokens for its own use, like CI systems' workload identity issuers). */
export function discoveryDocument(issuerUrl: string) {
  return {
    issuer: issuerUrl,
    jwks_uri: `${issuerUrl}${JWKS_PATH}`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [SIGNING_ALG],
    scopes_supported: ["openid"],
    claims_supported: [...TOKEN_CLAIMS],
  };
}

export async function jwks(app: Pick<AppContext, "db">, policy: IssuerKeyPolicy) {
  return { keys: await publishedKeys(app, policy) };
}

export interface MintRequest {
  issuerUrl: string;
  audience: string;
  subject: string;
  variables: SubjectVariables & { purpose: TokenPurpose };
}

export interface MintedToken {
  token: string;
  jti: string;
  kid: string;
  expiresAt: Date;
}

export async function mintWebIdentityToken(app: AppContext, policy: IssuerKeyPolicy, request: MintRequest): Promise<MintedToken> {
  return signToken(app, policy, {
    issuerUrl: request.issuerUrl,
    audience: request.audience,
    subject: request.subject,
    claims: {
      rotor_environment: request.variables.environment,
      rotor_rotator: request.variables.rotator,
      rotor_login: request.variables.login,
      rotor_purpose: request.variables.purpose,
    },
  });
}

export interface AdapterTokenRequest {
  issuerUrl: string;
  /** The adapter's URL, exactly as configured. */
  audience: string;
  environment: string;
  rotator: string;
  /** sha256-<base64> of the exact body this token goes with. */
  bodyHash: string;
  /** The same for every attempt of one rotation. */
  requestId: string;
}

/**
 * A token for an `external` rotator's adapter, in the shape Pulumi ESC's adapters verify: RS256, `aud` = the
 * adapter URL, `body_hash` over the body, a short lifetime and a unique `jti`; plus `rotor_request_id`, which
 * repeats across the attempts of one rotation so the adapter can be idempotent. Same keys as the AWS tokens.
 */
export async function mintAdapterToken(app: AppContext, policy: IssuerKeyPolicy, request: AdapterTokenRequest): Promise<MintedToken> {
  return signToken(app, policy, {
    issuerUrl: request.issuerUrl,
    audience: request.audience,
    subject: renderTemplate(DEFAULT_SUBJECT_TEMPLATE, { environment: request.environment, rotator: request.rotator, login: "", purpose: "adapter" }),
    claims: {
      body_hash: request.bodyHash,
      rotor_request_id: request.requestId,
      rotor_environment: request.environment,
      rotor_rotator: request.rotator,
      rotor_purpose: "adapter" satisfies TokenPurpose,
    },
  });
}

async function signToken(
  app: AppContext,
  policy: IssuerKeyPolicy,
  request: { issuerUrl: string; audience: string; subject: string; claims: Record<string, string> },
): Promise<MintedToken> {
  const { current } = await ensureIssuerKeys(app, policy);
  const now = policy.now?.() ?? new Date();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + policy.tokenTtlSeconds;
  const jti = randomUUID();
  const token = await new SignJWT(request.claims)
    .setProtectedHeader({ alg: SIGNING_ALG, kid: current.kid, typ: "JWT" })
    .setIssuer(request.issuerUrl)
    .setSubject(request.subject)
    .setAudience(request.audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(await signingKeyOf(app, current));
  return { token, jti, kid: current.kid, expiresAt: new Date(exp * 1000) };
}
