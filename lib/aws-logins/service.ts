import "server-only";
/**
 * AWS login providers: how Rotor gets AWS credentials for aws-iam rotators and for invoking aws-lambda
 * connectors. `static` keys are stored encrypted; an `oidc` login stores no secret at all — Rotor signs a
 * short-lived token as its own OIDC issuer and exchanges it with sts:AssumeRoleWithWebIdentity. Temporary
 * credentials live only in this process's memory, until shortly before they expire (lib/aws-logins).
 */
import { randomUUID } from "node:crypto";
import { byActor, type AppContext, type Actor } from "../app-context";
import { AppError, toAppError } from "../errors";
import { env } from "../env";
import { RotatorError } from "../rotators/errors";
import type { AwsCredentials, IssuerTokenRequest } from "../rotators/types";
import { insertAuditEvent, recordAuditEvent } from "../db/queries/audit";
import {
  deleteLoginProviderById,
  getLoginProviderById,
  getLoginProviderByName,
  insertLoginProvider,
  listLoginProviders,
  listLoginProviderUsers,
  updateLoginProviderById,
  type LoginProviderRow,
} from "../db/queries/login-providers";
import {
  loginConfigFromForm,
  parseStoredLoginConfig,
  type LoginForm,
  type LoginKind,
  type OidcLoginConfig,
  type StaticLoginConfig,
  type StaticLoginSecret,
} from "./validation";
import { credentialCache, type CredentialCache } from "./credential-cache";
import { describeIssuerKeys, ensureIssuerKeys, type IssuerKeyPolicy } from "./issuer-keys";
import { discoveryDocument, DISCOVERY_PATH, JWKS_PATH, mintAdapterToken, mintWebIdentityToken } from "./issuer";
import { assumeRoleWithWebIdentity, callerIdentity, type TemporaryCredentials } from "./sts";
import { renderSessionName, renderTemplate, subjectPattern, TEST_SUBJECT_NAME, type TokenPurpose } from "./subject";
import { oidcProviderArn, providerHost, setupCommands, trustPolicy } from "./trust-policy";

export const loginSecretContext = (id: string) => `login_providers:${id}:secret`;

/** The issuer settings of this process (public URL, token lifetime, key rotation). */
export function issuerSettings(): { issuerUrl: string; policy: IssuerKeyPolicy } {
  const config = env();
  return { issuerUrl: config.publicUrl, policy: { tokenTtlSeconds: config.issuer.tokenTtlSeconds, rotationDays: config.issuer.keyRotationDays } };
}

/** What a rotation or a connector call is for: fills the subject and session name templates. */
export interface LoginUse {
  environment: string;
  rotator: string;
  purpose: TokenPurpose;
}

export interface LoginOptions {
  issuerUrl?: string;
  policy?: IssuerKeyPolicy;
  cache?: CredentialCache;
}

function decryptStaticSecret(app: AppContext, row: LoginProviderRow): StaticLoginSecret {
  if (!row.secretCiphertext) throw new AppError("internal:unexpected", `The login ${row.name} has no stored secret.`);
  return JSON.parse(app.keyring.decrypt(row.secretCiphertext, loginSecretContext(row.id))) as StaticLoginSecret;
}

function oidcRequestFor(row: LoginProviderRow, config: OidcLoginConfig, use: LoginUse, issuerUrl: string) {
  const variables = { environment: use.environment, rotator: use.rotator, login: row.name, purpose: use.purpose };
  return {
    variables,
    subject: renderTemplate(config.subjectTemplate, variables),
    sessionName: renderSessionName(config.sessionName, variables),
    issuerUrl,
  };
}

/** Sign a token and exchange it (no cache). The token itself is only ever held in this function. */
async function exchangeOidc(app: AppContext, row: LoginProviderRow, config: OidcLoginConfig, use: LoginUse, options: LoginOptions): Promise<TemporaryCredentials> {
  const issuerUrl = options.issuerUrl ?? issuerSettings().issuerUrl;
  const policy = options.policy ?? issuerSettings().policy;
  const { variables, subject, sessionName } = oidcRequestFor(row, config, use, issuerUrl);
  const minted = await mintWebIdentityToken(app, policy, { issuerUrl, audience: config.audience, subject, variables });
  // Token use is security-relevant, so it is audited: record each token Rotor signs, never the token itself.
  await recordAuditEvent({
    db: app.db,
    event: {
      actorId: null,
      actorLabel: "rotor (OIDC issuer)",
      action: "aws-login.token_issued",
      targetType: "login_provider",
      targetId: row.id,
      targetLabel: row.name,
      details: { purpose: use.purpose, subject, audience: config.audience, roleArn: config.roleArn, jti: minted.jti, kid: minted.kid, expiresAt: minted.expiresAt.toISOString() },
    },
  });
  return assumeRoleWithWebIdentity({
    region: config.region,
    roleArn: config.roleArn,
    sessionName,
    durationSeconds: config.durationSeconds,
    policyArns: config.policyArns,
    token: minted.token,
    issuerUrl,
    audience: config.audience,
    subject,
  });
}

/**
 * The token signer of an `external` rotator (RotatorContext.issuerToken): one short-lived token per request to
 * its adapter, signed with the issuer's current key. Audited like the AWS tokens: which rotator, which
 * audience, which request id and jti — never the token.
 */
export function adapterTokenSigner(
  app: AppContext,
  use: { environment: string; rotator: string; rotatorId?: string },
  options: Pick<LoginOptions, "issuerUrl" | "policy"> = {},
): (request: IssuerTokenRequest) => Promise<{ token: string; issuer: string }> {
  return async (request) => {
    const issuerUrl = options.issuerUrl ?? issuerSettings().issuerUrl;
    const policy = options.policy ?? issuerSettings().policy;
    const minted = await mintAdapterToken(app, policy, { issuerUrl, ...request, environment: use.environment, rotator: use.rotator });
    await recordAuditEvent({
      db: app.db,
      event: {
        actorId: null,
        actorLabel: "rotor (OIDC issuer)",
        action: "external.token_issued",
        targetType: "rotator",
        targetId: use.rotatorId ?? null,
        targetLabel: use.rotator,
        details: { audience: request.audience, requestId: request.requestId, jti: minted.jti, kid: minted.kid, expiresAt: minted.expiresAt.toISOString() },
      },
    });
    return { token: minted.token, issuer: issuerUrl };
  };
}

/**
 * A credentials function for a rotator or connector (RotatorContext.awsCredentials): static keys as stored, or
 * temporary credentials for an OIDC login, from the process cache while they have more than a few minutes left.
 */
export function credentialsForLogin(app: AppContext, loginProviderId: string, use: LoginUse, options: LoginOptions = {}): () => Promise<AwsCredentials> {
  const cache = options.cache ?? credentialCache;
  return async () => {
    const row = await getLoginProviderById({ db: app.db, id: loginProviderId });
    if (!row) throw new RotatorError("input:invalid", "The AWS login this rotator uses no longer exists. Choose another login.");
    const login = parseStoredLoginConfig(row.kind, row.config);
    if (login.kind === "static") {
      const secret = decryptStaticSecret(app, row);
      return { accessKeyId: login.config.accessKeyId, secretAccessKey: secret.secretAccessKey, ...(secret.sessionToken ? { sessionToken: secret.sessionToken } : {}) };
    }
    const issuerUrl = options.issuerUrl ?? issuerSettings().issuerUrl;
    const { subject, sessionName } = oidcRequestFor(row, login.config, use, issuerUrl);
    // Keyed by the login's version too, so an edited login never serves credentials of its old role.
    const key = `${row.id}:${row.updatedAt.getTime()}:${subject}:${sessionName}`;
    const credentials = await cache.get(key, () => exchangeOidc(app, row, login.config, use, options));
    return { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken };
  };
}

// ---- configuration (admin) ----------------------------------------------------------------------------------

export interface LoginProviderView {
  id: string;
  name: string;
  kind: LoginKind;
  config: StaticLoginConfig | OidcLoginConfig;
  createdAt: Date;
  updatedAt: Date;
  usedBy: { rotators: string[]; connectors: string[] };
}

function toView(row: LoginProviderRow, usedBy: LoginProviderView["usedBy"]): LoginProviderView {
  const login = parseStoredLoginConfig(row.kind, row.config);
  return { id: row.id, name: row.name, kind: row.kind, config: login.config, createdAt: row.createdAt, updatedAt: row.updatedAt, usedBy };
}

export async function listLoginProviderViews(app: Pick<AppContext, "db">): Promise<LoginProviderView[]> {
  const rows = await listLoginProviders({ db: app.db });
  return Promise.all(rows.map(async (row) => toView(row, await listLoginProviderUsers({ db: app.db, id: row.id }))));
}

export async function getLoginProviderView(app: Pick<AppContext, "db">, id: string): Promise<LoginProviderView | null> {
  const row = await getLoginProviderById({ db: app.db, id });
  return row ? toView(row, await listLoginProviderUsers({ db: app.db, id })) : null;
}

/** For the rotator and connector forms' login selects. */
export async function listLoginChoices(app: Pick<AppContext, "db">) {
  return (await listLoginProviders({ db: app.db })).map((row) => ({ id: row.id, name: row.name, kind: row.kind }));
}

function audit(actor: Actor, action: string, row: Pick<LoginProviderRow, "id" | "name">, details: Record<string, unknown>, outcome: "success" | "failure" = "success") {
  return { ...byActor(actor), action, outcome, targetType: "login_provider", targetId: row.id, targetLabel: row.name, details };
}

function configOrThrow(kind: LoginKind, form: Omit<LoginForm, "kind" | "name">) {
  const parsed = loginConfigFromForm(kind, form);
  if (!parsed.ok) {
    const [field, message] = Object.entries(parsed.fieldErrors)[0]!;
    throw new AppError("input:invalid", `Check the ${field}: ${message}`, { fieldErrors: parsed.fieldErrors });
  }
  return parsed.value;
}

export async function createLoginProvider(app: AppContext, request: { actor: Actor; form: LoginForm }): Promise<LoginProviderRow> {
  const { kind, name, ...fields } = request.form;
  const login = configOrThrow(kind, fields);
  const id = randomUUID();
  let secretCiphertext: string | null = null;
  if (login.kind === "static") {
    if (!fields.secretAccessKey) throw new AppError("input:invalid", "The secret access key is required.", { fieldErrors: { secretAccessKey: "Required" } });
    const secret: StaticLoginSecret = { secretAccessKey: fields.secretAccessKey, ...(fields.sessionToken ? { sessionToken: fields.sessionToken } : {}) };
    secretCiphertext = app.keyring.encrypt(JSON.stringify(secret), loginSecretContext(id));
  }
  const row = await app.db.transaction(async (tx) => {
    if (await getLoginProviderByName({ db: tx, name })) {
      throw new AppError("conflict", `A login named ${name} already exists.`, { fieldErrors: { name: "Already in use" } });
    }
    const inserted = await insertLoginProvider({ db: tx, loginProvider: { id, name, kind, config: login.config, secretCiphertext } });
    await insertAuditEvent({ tx, event: audit(request.actor, "aws-login.created", inserted, { kind, config: login.config }) });
    return inserted;
  });
  // The issuer's keys exist (and are published) before AWS ever sees a token from this login.
  if (kind === "oidc") await ensureIssuerKeys(app, issuerSettings().policy);
  return row;
}

export async function updateLoginProvider(
  app: AppContext,
  request: { actor: Actor; loginProviderId: string; form: Omit<LoginForm, "kind"> },
): Promise<LoginProviderRow> {
  const existing = await getLoginProviderById({ db: app.db, id: request.loginProviderId });
  if (!existing) throw new AppError("not-found", "That login no longer exists.");
  const { name, ...fields } = request.form;
  const login = configOrThrow(existing.kind, fields);
  let secretCiphertext = existing.secretCiphertext;
  const secretChanged = login.kind === "static" && Boolean(fields.secretAccessKey || fields.sessionToken);
  if (login.kind === "static" && secretChanged) {
    const stored = decryptStaticSecret(app, existing);
    // A new secret access key starts without the old session token unless one is given with it.
    const secret: StaticLoginSecret = fields.secretAccessKey
      ? { secretAccessKey: fields.secretAccessKey, ...(fields.sessionToken ? { sessionToken: fields.sessionToken } : {}) }
      : { ...stored, sessionToken: fields.sessionToken };
    secretCiphertext = app.keyring.encrypt(JSON.stringify(secret), loginSecretContext(existing.id));
  }
  const row = await app.db.transaction(async (tx) => {
    const clash = await getLoginProviderByName({ db: tx, name });
    if (clash && clash.id !== existing.id) throw new AppError("conflict", `A login named ${name} already exists.`, { fieldErrors: { name: "Already in use" } });
    const updated = await updateLoginProviderById({ db: tx, id: existing.id, patch: { name, config: login.config, secretCiphertext } });
    await insertAuditEvent({
      tx,
      event: audit(request.actor, "aws-login.updated", updated, { from: { name: existing.name, config: existing.config }, to: { name, config: login.config }, secretChanged }),
    });
    return updated;
  });
  credentialCache.invalidate(`${existing.id}:`);
  return row;
}

export async function deleteLoginProvider(app: AppContext, request: { actor: Actor; loginProviderId: string; confirmName: string }) {
  await app.db.transaction(async (tx) => {
    const row = await getLoginProviderById({ db: tx, id: request.loginProviderId });
    if (!row) throw new AppError("not-found", "That login no longer exists.");
    if (request.confirmName !== row.name) throw new AppError("input:invalid", `Type ${row.name} exactly to confirm.`, { fieldErrors: { confirmName: "Does not match the name" } });
    const users = await listLoginProviderUsers({ db: tx, id: row.id });
    if (users.rotators.length || users.connectors.length) {
      const list = [...users.rotators.map((r) => `rotator ${r}`), ...users.connectors.map((c) => `connector ${c}`)].join(", ");
      throw new AppError("conflict", `${row.name} is still used by ${list}. Choose another login there first.`);
    }
    await deleteLoginProviderById({ db: tx, id: row.id });
    await insertAuditEvent({ tx, event: audit(request.actor, "aws-login.deleted", row, { kind: row.kind }) });
  });
  credentialCache.invalidate(`${request.loginProviderId}:`);
}

export interface LoginTestResult {
  identity: { arn: string; account: string; userId: string };
  details: string[];
}

/**
 * "Test login": get credentials the way a rotation would (for an OIDC login a fresh token and exchange, never
 * the cache) and ask AWS who they are. Failures come back as AppErrors with AWS's reason made actionable.
 */
export async function testLoginProvider(app: AppContext, request: { actor: Actor; loginProviderId: string }, options: LoginOptions = {}): Promise<LoginTestResult> {
  const row = await getLoginProviderById({ db: app.db, id: request.loginProviderId });
  if (!row) throw new AppError("not-found", "That login no longer exists.");
  const login = parseStoredLoginConfig(row.kind, row.config);
  const details: string[] = [];
  const secrets: string[] = [];
  try {
    let credentials: AwsCredentials;
    if (login.kind === "static") {
      const secret = decryptStaticSecret(app, row);
      secrets.push(secret.secretAccessKey, ...(secret.sessionToken ? [secret.sessionToken] : []));
      credentials = { accessKeyId: login.config.accessKeyId, ...secret };
    } else {
      const use: LoginUse = { environment: TEST_SUBJECT_NAME, rotator: TEST_SUBJECT_NAME, purpose: "test" };
      const issuerUrl = options.issuerUrl ?? issuerSettings().issuerUrl;
      const { subject } = oidcRequestFor(row, login.config, use, issuerUrl);
      const temporary = await exchangeOidc(app, row, login.config, use, options);
      secrets.push(temporary.secretAccessKey, temporary.sessionToken);
      credentials = temporary;
      details.push(
        `AWS accepted Rotor's token (issuer ${issuerUrl}, audience ${login.config.audience}, subject ${subject}) and issued credentials for ${temporary.assumedRoleArn}, valid until ${temporary.expiration.toISOString()}.`,
      );
    }
    const identity = await callerIdentity(credentials, login.config.region);
    details.push(`GetCallerIdentity: ${identity.arn} (account ${identity.account}).`);
    await recordAuditEvent({ db: app.db, event: audit(request.actor, "aws-login.tested", row, { identity: identity.arn }) });
    return { identity, details };
  } catch (error) {
    const failure = toAppError(error, { secrets, context: `test of AWS login ${row.id}` });
    await recordAuditEvent({ db: app.db, event: audit(request.actor, "aws-login.tested", row, { error: failure.message }, "failure") });
    throw toAppError(failure, { prefix: "Login test failed" });
  }
}

/** What to configure in AWS for an OIDC login (the Logins page's setup panel). */
export function loginSetup(view: Pick<LoginProviderView, "kind" | "config">, issuerUrl: string = issuerSettings().issuerUrl) {
  if (view.kind !== "oidc") return null;
  const config = view.config as OidcLoginConfig;
  const input = { issuerUrl, roleArn: config.roleArn, audience: config.audience, subjectTemplate: config.subjectTemplate };
  return {
    issuerUrl,
    providerHost: providerHost(issuerUrl),
    providerArn: oidcProviderArn(config.roleArn, issuerUrl),
    audience: config.audience,
    discoveryUrl: `${issuerUrl}${DISCOVERY_PATH}`,
    jwksUrl: `${issuerUrl}${JWKS_PATH}`,
    subjectPattern: subjectPattern(config.subjectTemplate),
    trustPolicy: JSON.stringify(trustPolicy(input), null, 2),
    commands: setupCommands({ ...input, durationSeconds: config.durationSeconds }),
    httpsIssuer: issuerUrl.startsWith("https://"),
    discovery: discoveryDocument(issuerUrl),
  };
}

export async function issuerKeysSummary(app: Pick<AppContext, "db">) {
  return describeIssuerKeys(app, issuerSettings().policy);
}

/** Promote the next signing key now (the old one stays published until its tokens have expired). */
export async function rotateIssuerSigningKeys(app: AppContext, request: { actor: Actor }) {
  const keys = await ensureIssuerKeys(app, issuerSettings().policy, { force: true });
  await recordAuditEvent({
    db: app.db,
    event: {
      ...byActor(request.actor),
      action: "aws-login.issuer_keys_rotated",
      targetType: "oidc_issuer",
      targetLabel: issuerSettings().issuerUrl,
      details: { current: keys.current.kid, next: keys.next.kid, retired: keys.retired.map((k) => k.kid) },
    },
  });
  return keys;
}
