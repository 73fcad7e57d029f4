/**
 * STS AssumeRoleWithWebIdentity for the fake, with IAM's OpenID Connect identity providers and roles, checked
 * the way AWS documents it, so that an OIDC login is tested against real rules and not against a stub:
 *
 * - The call is unsigned (the token is the credential). Parameters are validated first, with STS's
 *   ValidationError texts: RoleSessionName 2–64 of [\w+=,.@-], DurationSeconds 900–43200, ≤ 10 PolicyArns.
 * - The token's `iss` must name an OIDC provider created in the account (else InvalidIdentityToken "No
 *   OpenIDConnect provider found in your account for …"). Like AWS, the fake then fetches
 *   `<iss>/.well-known/openid-configuration` and the `jwks_uri` it names over HTTP (IDPCommunicationError when
 *   that fails) and verifies the signature with the key named by `kid`. One concession: AWS requires https;
 *   the fake also accepts http for loopback issuers (tests run Rotor on 127.0.0.1 / localhost).
 * - `aud` must be one of the provider's client IDs (InvalidIdentityToken "Incorrect token audience"); an expired
 *   token is ExpiredTokenException. Expiry is checked against the real clock (the token was signed with it),
 *   like SigV4 timestamps; the virtual clock only drives the issued session's expiry.
 * - The role must exist and its trust policy must allow sts:AssumeRoleWithWebIdentity for the provider, with
 *   the Condition operators StringEquals / StringLike / StringNotEquals / StringNotLike on `<provider>:aud` and
 *   `<provider>:sub` — otherwise AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity" (AWS
 *   does not say whether the role is missing or just does not trust the token).
 * - DurationSeconds above the role's MaxSessionDuration (default 3600) is ValidationError "The requested
 *   DurationSeconds exceeds the MaxSessionDuration set for this role."
 * - The credentials are temporary (ASIA… + session token), act as
 *   arn:aws:sts::<account>:assumed-role/<role>/<session> with the role's permissions, and work against the
 *   fake's IAM and STS (and Lambda) until they expire.
 * PolicyArns are validated for count and shape but do not narrow the session's permissions here.
 *
 * The IAM side can be set up through the API too (so a test can paste exactly what Rotor tells users to):
 * CreateOpenIDConnectProvider (Url, ClientIDList), CreateRole (RoleName, AssumeRolePolicyDocument,
 * MaxSessionDuration, Path) and PutRolePolicy (the Allow statements' actions become the role's permissions).
 */
import { randomBytes } from "node:crypto";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import { FakeAwsError, validationError } from "./errors";
import { memberList, required } from "./protocol";
import type { FakeAws } from "./api";
import type { FakePolicy, FakePrincipal } from "./store";
import { el, node } from "./xml";

export interface FakeOidcProvider {
  arn: string;
  /** The issuer without its scheme, as IAM stores it (e.g. "rotor.example.com" or "127.0.0.1:4321"). */
  url: string;
  clientIds: string[];
}

export interface FakeRole {
  roleName: string;
  arn: string;
  roleId: string;
  maxSessionDuration: number;
  trustPolicy: TrustPolicy;
  policy: FakePolicy;
  deny?: readonly string[];
}

export interface WebIdentityExchangeRecord {
  roleArn: string;
  sessionName: string;
  subject?: string;
  audience?: string;
  /** "ok" or the error code AWS would answer with. */
  outcome: string;
}

export interface WebIdentityAdmin {
  createOidcProvider(options: { url: string; clientIds: string[] }): FakeOidcProvider;
  deleteOidcProvider(url: string): void;
  /** `trustPolicy` as JSON text or object (e.g. exactly what Rotor's Logins page tells users to paste). */
  createRole(options: { roleName: string; path?: string; trustPolicy: unknown; maxSessionDuration?: number; policy?: FakePolicy }): FakeRole;
  updateRole(roleName: string, patch: Partial<Pick<FakeRole, "maxSessionDuration" | "policy" | "deny">> & { trustPolicy?: unknown }): FakeRole;
  deleteRole(roleName: string): void;
  exchanges(): readonly WebIdentityExchangeRecord[];
}

type StringCondition = "StringEquals" | "StringLike" | "StringNotEquals" | "StringNotLike";
const OPERATORS: readonly StringCondition[] = ["StringEquals", "StringLike", "StringNotEquals", "StringNotLike"];

interface TrustStatement {
  Effect: "Allow" | "Deny";
  Principal?: { Federated?: string | string[] };
  Action: string | string[];
  Condition?: Partial<Record<StringCondition, Record<string, string | string[]>>>;
}

export interface TrustPolicy {
  Version: string;
  Statement: TrustStatement[];
}

const ACTION = "sts:AssumeRoleWithWebIdentity";
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\u0021-\u007E]+\/)?([\w+=,.@-]{1,64})$/;
const ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"];

const asList = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function malformed(message: string) {
  return new FakeAwsError("MalformedPolicyDocument", message, 400);
}

function parseTrustPolicy(input: unknown): TrustPolicy {
  const doc = (typeof input === "string" ? JSON.parse(input) : structuredClone(input)) as TrustPolicy;
  if (!doc || !Array.isArray(doc.Statement) || doc.Statement.length === 0) throw malformed("Trust policy needs a Statement list.");
  for (const statement of doc.Statement) {
    if (statement.Effect !== "Allow" && statement.Effect !== "Deny") throw malformed("Effect must be Allow or Deny.");
    for (const operator of Object.keys(statement.Condition ?? {})) {
      if (!(OPERATORS as readonly string[]).includes(operator)) throw malformed(`The fake does not evaluate the condition operator ${operator}.`);
    }
  }
  return doc;
}

/** IAM's StringLike: `*` any run of characters, `?` one character, everything else literal. */
function like(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "s").test(value);
}

function conditionHolds(operator: StringCondition, expected: string[], actual: string[]): boolean {
  const matches = (e: string) => actual.some((a) => (operator === "StringLike" || operator === "StringNotLike" ? like(e, a) : e === a));
  const any = expected.some(matches);
  return operator === "StringEquals" || operator === "StringLike" ? any : !any;
}

function statementMatches(statement: TrustStatement, providerArn: string, context: Record<string, string[]>): boolean {
  if (!asList(statement.Principal?.Federated).includes(providerArn)) return false;
  const actions = asList(statement.Action);
  if (!actions.includes(ACTION) && !actions.includes("sts:*") && !actions.includes("*")) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {}) as [StringCondition, Record<string, string | string[]>][]) {
    for (const [key, expected] of Object.entries(keys)) {
      if (!conditionHolds(operator, asList(expected), context[key] ?? [])) return false;
    }
  }
  return true;
}

function trustAllows(policy: TrustPolicy, providerArn: string, context: Record<string, string[]>): boolean {
  const matching = policy.Statement.filter((s) => statementMatches(s, providerArn, context));
  return matching.some((s) => s.Effect === "Allow") && !matching.some((s) => s.Effect === "Deny");
}

function isLoopback(url: URL): boolean {
  return url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: "error" });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

const idpUnreachable = () =>
  new FakeAwsError(
    "IDPCommunicationError",
    "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
    400,
  );

const notAuthorized = () => new FakeAwsError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403);

export function installWebIdentity(fake: FakeAws): WebIdentityAdmin {
  const { store } = fake.admin;
  const accountId = fake.accountId;
  const providers = new Map<string, FakeOidcProvider>();
  const roles = new Map<string, FakeRole>(); // key: lower-cased role name
  const log: WebIdentityExchangeRecord[] = [];
  // SimulatePrincipalPolicy evaluates a role's policies by its ARN.
  store.policySources.push((arn) => [...roles.values()].find((role) => role.arn === arn));

  async function verifyToken(token: string): Promise<{ claims: JWTPayload; provider: FakeOidcProvider; issuer: string }> {
    let claims: JWTPayload;
    try {
      decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw new FakeAwsError("InvalidIdentityToken", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)", 400);
    }
    const issuer = String(claims.iss ?? "");
    let issuerUrl: URL;
    try {
      issuerUrl = new URL(issuer);
    } catch {
      throw new FakeAwsError("InvalidIdentityToken", "The ID Token does not name a valid issuer (iss).", 400);
    }
    const provider = providers.get(issuer.replace(/^https?:\/\//, "").replace(/\/+$/, ""));
    if (!provider || (issuerUrl.protocol !== "https:" && !(issuerUrl.protocol === "http:" && isLoopback(issuerUrl)))) {
      throw new FakeAwsError("InvalidIdentityToken", `No OpenIDConnect provider found in your account for ${issuer}`, 400);
    }
    let jwks: JSONWebKeySet;
    try {
      const discovery = (await fetchJson(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`)) as { issuer?: string; jwks_uri?: string };
      if (discovery.issuer !== issuer || !discovery.jwks_uri) throw new Error("discovery document does not match the issuer");
      jwks = (await fetchJson(discovery.jwks_uri)) as JSONWebKeySet;
      if (!Array.isArray(jwks.keys)) throw new Error("not a JWKS");
    } catch {
      throw idpUnreachable();
    }
    try {
      await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ALGORITHMS, issuer, requiredClaims: ["exp", "sub", "aud"] });
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        const exp = new Date(Number(claims.exp) * 1000).toISOString();
        throw new FakeAwsError("ExpiredTokenException", `Token expired: current date/time ${new Date().toISOString()} must be before the expiration date/time ${exp}`, 400);
      }
      throw new FakeAwsError("InvalidIdentityToken", "Couldn't verify the signature of the web identity token with the provider's keys.", 400);
    }
    const audiences = asList(claims.aud);
    if (!audiences.some((a) => provider.clientIds.includes(a))) throw new FakeAwsError("InvalidIdentityToken", "Incorrect token audience", 400);
    return { claims, provider, issuer };
  }

  fake.registerQueryAction(
    "sts",
    "AssumeRoleWithWebIdentity",
    async (ctx) => {
      const params = ctx.params;
      const roleArn = required(params, "RoleArn");
      const sessionName = required(params, "RoleSessionName");
      const token = required(params, "WebIdentityToken");
      const record: WebIdentityExchangeRecord = { roleArn, sessionName, outcome: "ok" };
      log.push(record);
      try {
        if (roleArn.length < 20 || roleArn.length > 2048) {
          throw validationError(`1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`);
        }
        if (!SESSION_NAME.test(sessionName)) {
          throw validationError(
            `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
          );
        }
        const duration = params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds);
        if (!Number.isInteger(duration) || duration < 900) {
          throw validationError(`1 validation error detected: Value '${params.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
        }
        if (duration > 43_200) {
          throw validationError(`1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`);
        }
        const policyArns = memberList(params, "PolicyArns", ["arn"] as const);
        if (policyArns.length > 10) {
          throw validationError("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10");
        }
        for (const p of policyArns) {
          if (!p.arn || p.arn.length < 20) throw validationError("1 validation error detected: Value at 'policyArns.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20");
        }

        const { claims, provider } = await verifyToken(token);
        record.subject = String(claims.sub);
        record.audience = asList(claims.aud).join(",");

        const arn = ROLE_ARN.exec(roleArn);
        const role = arn && arn[1] === accountId ? roles.get(arn[2]!.toLowerCase()) : undefined;
        const context: Record<string, string[]> = {
          [`${provider.url}:aud`]: asList(claims.aud),
          [`${provider.url}:sub`]: [String(claims.sub)],
        };
        if (!role || role.arn !== roleArn || !trustAllows(role.trustPolicy, provider.arn, context)) throw notAuthorized();
        if (duration > role.maxSessionDuration) throw validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");

        const principal: FakePrincipal = {
          arn: `arn:aws:sts::${accountId}:assumed-role/${role.roleName}/${sessionName}`,
          userId: `${role.roleId}:${sessionName}`,
          account: accountId,
          policy: role.policy,
          deny: role.deny,
        };
        const session = store.issueSession(principal, duration);
        return (
          el("SubjectFromWebIdentityToken", String(claims.sub)) +
          el("Audience", asList(claims.aud)[0]) +
          node("AssumedRoleUser", el("AssumedRoleId", principal.userId) + el("Arn", principal.arn)) +
          node(
            "Credentials",
            el("AccessKeyId", session.accessKeyId) +
              el("SecretAccessKey", session.secretAccessKey) +
              el("SessionToken", session.sessionToken) +
              el("Expiration", new Date(session.expiresAt)),
          ) +
          el("Provider", String(claims.iss))
        );
      } catch (error) {
        record.outcome = error instanceof FakeAwsError ? error.code : "ServiceFailure";
        throw error;
      }
    },
    { unsigned: true },
  );

  fake.registerQueryAction("iam", "CreateOpenIDConnectProvider", (ctx) => {
    const url = required(ctx.params, "Url");
    ctx.authorize("iam:CreateOpenIDConnectProvider", `arn:aws:iam::${accountId}:oidc-provider/*`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new FakeAwsError("InvalidInput", "Invalid Url.", 400);
    }
    if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && isLoopback(parsed))) throw new FakeAwsError("InvalidInput", "The URL must begin with https://.", 400);
    const provider = admin.createOidcProvider({ url, clientIds: memberList(ctx.params, "ClientIDList") });
    return el("OpenIDConnectProviderArn", provider.arn);
  });

  fake.registerQueryAction("iam", "CreateRole", (ctx) => {
    const roleName = required(ctx.params, "RoleName");
    const document = required(ctx.params, "AssumeRolePolicyDocument");
    ctx.authorize("iam:CreateRole", `arn:aws:iam::${accountId}:role/${roleName}`);
    let trust: unknown;
    try {
      trust = JSON.parse(document);
    } catch {
      throw malformed("This policy contains invalid Json");
    }
    const role = admin.createRole({
      roleName,
      path: ctx.params.Path ?? "/",
      trustPolicy: trust,
      maxSessionDuration: ctx.params.MaxSessionDuration ? Number(ctx.params.MaxSessionDuration) : undefined,
    });
    return node(
      "Role",
      el("Path", ctx.params.Path ?? "/") +
        el("RoleName", role.roleName) +
        el("RoleId", role.roleId) +
        el("Arn", role.arn) +
        el("CreateDate", new Date()) +
        el("AssumeRolePolicyDocument", encodeURIComponent(document)) +
        el("MaxSessionDuration", role.maxSessionDuration),
    );
  });

  fake.registerQueryAction("iam", "PutRolePolicy", (ctx) => {
    const roleName = required(ctx.params, "RoleName");
    required(ctx.params, "PolicyName");
    const document = required(ctx.params, "PolicyDocument");
    ctx.authorize("iam:PutRolePolicy", `arn:aws:iam::${accountId}:role/${roleName}`);
    const role = roles.get(roleName.toLowerCase());
    if (!role) throw new FakeAwsError("NoSuchEntity", `The role with name ${roleName} cannot be found.`, 404);
    let policy: { Statement?: { Effect?: string; Action?: string | string[] }[] | { Effect?: string; Action?: string | string[] } };
    try {
      policy = JSON.parse(document);
    } catch {
      throw malformed("This policy contains invalid Json");
    }
    const statements = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : [];
    const actions = statements.filter((st) => st.Effect === "Allow").flatMap((st) => asList(st.Action));
    if (actions.includes("*")) role.policy = "*";
    else if (role.policy !== "*") role.policy = [...new Set([...role.policy, ...actions])];
    return null;
  });

  const admin: WebIdentityAdmin = {
    createOidcProvider({ url, clientIds }) {
      const key = url.replace(/^https?:\/\//, "").replace(/\/+$/, "");
      if (providers.has(key)) throw new FakeAwsError("EntityAlreadyExists", `Provider with url ${url} already exists.`, 409);
      const provider: FakeOidcProvider = { arn: `arn:aws:iam::${accountId}:oidc-provider/${key}`, url: key, clientIds: [...clientIds] };
      providers.set(key, provider);
      return provider;
    },
    deleteOidcProvider(url) {
      providers.delete(url.replace(/^https?:\/\//, "").replace(/\/+$/, ""));
    },
    createRole({ roleName, path = "/", trustPolicy, maxSessionDuration = 3600, policy = [] }) {
      if (roles.has(roleName.toLowerCase())) throw new FakeAwsError("EntityAlreadyExists", `Role with name ${roleName} already exists.`, 409);
      if (maxSessionDuration < 3600 || maxSessionDuration > 43_200) throw validationError("MaxSessionDuration must be between 3600 and 43200 seconds.");
      const role: FakeRole = {
        roleName,
        arn: `arn:aws:iam::${accountId}:role${path}${roleName}`,
        roleId: `AROA${randomBytes(10).toString("hex").toUpperCase().slice(0, 17)}`,
        maxSessionDuration,
        trustPolicy: parseTrustPolicy(trustPolicy),
        policy,
      };
      roles.set(roleName.toLowerCase(), role);
      return role;
    },
    updateRole(roleName, patch) {
      const role = roles.get(roleName.toLowerCase());
      if (!role) throw new FakeAwsError("NoSuchEntity", `The role with name ${roleName} cannot be found.`, 404);
      if (patch.maxSessionDuration !== undefined) role.maxSessionDuration = patch.maxSessionDuration;
      if (patch.policy !== undefined) role.policy = patch.policy;
      if (patch.deny !== undefined) role.deny = patch.deny;
      if (patch.trustPolicy !== undefined) role.trustPolicy = parseTrustPolicy(patch.trustPolicy);
      return role;
    },
    deleteRole(roleName) {
      roles.delete(roleName.toLowerCase());
    },
    exchanges: () => log,
  };
  return admin;
}
