import "server-only";
/**
 * Connectors: how Rotor reaches a database inside a private network. `aws-lambda` connectors invoke a Lambda
 * in the customer's VPC with a login's AWS credentials — Rotor's own handler (signed requests, TLS, verifies
 * from inside), or an existing Pulumi ESC connector Lambda (compatibility; cannot verify). The signing secret
 * is generated here, stored encrypted, and shown exactly once.
 */
import { randomUUID } from "node:crypto";
import { byActor, type AppContext, type Actor } from "../app-context";
import { AppError, toAppError } from "../errors";
import { insertAuditEvent, recordAuditEvent } from "../db/queries/audit";
import {
  deleteConnectorById,
  getConnectorById,
  getConnectorByName,
  insertConnector,
  listConnectors,
  listConnectorUsers,
  updateConnectorById,
  type ConnectorRow,
} from "../db/queries/connectors";
import { getLoginProviderById } from "../db/queries/login-providers";
import { connectorConfigSchema, type ConnectorConfig, type ConnectorMode } from "./validation";
import type { z } from "zod";
import type { createConnectorSchema } from "./validation";
import { generateConnectorSecret } from "./signing";
import { createRotorLambdaConnector, type LambdaDatabaseConnector } from "./lambda-connector";
import { createEscLambdaConnector } from "./esc-connector";
import { deploymentGuide } from "./deployment-guide";
import { TEST_SUBJECT_NAME } from "../aws-logins/subject";
import { credentialsForLogin, type LoginOptions, type LoginUse } from "../aws-logins/service";

export const connectorSecretContext = (id: string) => `connectors:${id}:secret`;

type ConnectorForm = z.output<typeof createConnectorSchema>;

export interface ConnectorView {
  id: string;
  name: string;
  kind: "aws-lambda";
  config: ConnectorConfig;
  loginProviderId: string | null;
  loginName: string | null;
  hasSecret: boolean;
  usedBy: string[];
  createdAt: Date;
  updatedAt: Date;
}

function configOf(row: ConnectorRow): ConnectorConfig {
  return connectorConfigSchema.parse(row.config);
}

async function toView(app: Pick<AppContext, "db">, row: ConnectorRow): Promise<ConnectorView> {
  const login = row.loginProviderId ? await getLoginProviderById({ db: app.db, id: row.loginProviderId }) : undefined;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    config: configOf(row),
    loginProviderId: row.loginProviderId,
    loginName: login?.name ?? null,
    hasSecret: Boolean(row.secretCiphertext),
    usedBy: await listConnectorUsers({ db: app.db, id: row.id }),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function listConnectorViews(app: Pick<AppContext, "db">): Promise<ConnectorView[]> {
  return Promise.all((await listConnectors({ db: app.db })).map((row) => toView(app, row)));
}

export async function getConnectorView(app: Pick<AppContext, "db">, id: string): Promise<ConnectorView | null> {
  const row = await getConnectorById({ db: app.db, id });
  return row ? toView(app, row) : null;
}

/** For the rotator form's connector select. */
export async function listConnectorChoices(app: Pick<AppContext, "db">) {
  return (await listConnectors({ db: app.db })).map((row) => ({ id: row.id, name: row.name, mode: configOf(row).mode }));
}

export function connectorGuide(view: ConnectorView, login: { roleArn?: string } = {}) {
  return deploymentGuide({ name: view.name, functionArn: view.config.functionArn, region: view.config.region, mode: view.config.mode, invokingRoleArn: login.roleArn });
}

function audit(actor: Actor, action: string, row: Pick<ConnectorRow, "id" | "name">, details: Record<string, unknown>, outcome: "success" | "failure" = "success") {
  return { ...byActor(actor), action, outcome, targetType: "connector", targetId: row.id, targetLabel: row.name, details };
}

function parseConfig(form: Pick<ConnectorForm, "mode" | "functionArn" | "region">): ConnectorConfig {
  const parsed = connectorConfigSchema.safeParse({ mode: form.mode, functionArn: form.functionArn, region: form.region });
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0] ?? "form")] ??= issue.message;
    const first = parsed.error.issues[0]!;
    throw new AppError("input:invalid", `Check the ${String(first.path[0] ?? "connector")}: ${first.message}`, { fieldErrors });
  }
  return parsed.data;
}

async function requireLogin(app: Pick<AppContext, "db">, id: string) {
  const login = await getLoginProviderById({ db: app.db, id });
  if (!login) throw new AppError("input:invalid", "Choose an existing login.", { fieldErrors: { loginProviderId: "No such login" } });
  return login;
}

/** Returns the signing secret (Rotor's connector only) — the one time anyone sees it. */
export async function createConnector(app: AppContext, request: { actor: Actor; form: ConnectorForm }): Promise<{ connector: ConnectorRow; secret: string | null }> {
  const config = parseConfig(request.form);
  const login = await requireLogin(app, request.form.loginProviderId);
  const id = randomUUID();
  const secret = config.mode === "rotor" ? generateConnectorSecret() : null;
  const connector = await app.db.transaction(async (tx) => {
    if (await getConnectorByName({ db: tx, name: request.form.name })) {
      throw new AppError("conflict", `A connector named ${request.form.name} already exists.`, { fieldErrors: { name: "Already in use" } });
    }
    const row = await insertConnector({
      db: tx,
      connector: {
        id,
        name: request.form.name,
        kind: "aws-lambda",
        config,
        loginProviderId: login.id,
        secretCiphertext: secret ? app.keyring.encrypt(secret, connectorSecretContext(id)) : null,
      },
    });
    await insertAuditEvent({ tx, event: audit(request.actor, "connector.created", row, { config, login: login.name, secretIssued: Boolean(secret) }) });
    return row;
  });
  return { connector, secret };
}

export async function updateConnector(
  app: AppContext,
  request: { actor: Actor; connectorId: string; form: ConnectorForm },
): Promise<{ connector: ConnectorRow; secret: string | null }> {
  const existing = await getConnectorById({ db: app.db, id: request.connectorId });
  if (!existing) throw new AppError("not-found", "That connector no longer exists.");
  const config = parseConfig(request.form);
  const login = await requireLogin(app, request.form.loginProviderId);
  // Switching to Rotor's handler needs a secret; one that exists is kept (the Lambda already holds it).
  const secret = config.mode === "rotor" && !existing.secretCiphertext ? generateConnectorSecret() : null;
  const connector = await app.db.transaction(async (tx) => {
    const clash = await getConnectorByName({ db: tx, name: request.form.name });
    if (clash && clash.id !== existing.id) throw new AppError("conflict", `A connector named ${request.form.name} already exists.`, { fieldErrors: { name: "Already in use" } });
    const row = await updateConnectorById({
      db: tx,
      id: existing.id,
      patch: {
        name: request.form.name,
        config,
        loginProviderId: login.id,
        ...(secret ? { secretCiphertext: app.keyring.encrypt(secret, connectorSecretContext(existing.id)) } : {}),
      },
    });
    await insertAuditEvent({
      tx,
      event: audit(request.actor, "connector.updated", row, {
        from: { name: existing.name, config: existing.config, loginProviderId: existing.loginProviderId },
        to: { name: request.form.name, config, login: login.name },
        secretIssued: Boolean(secret),
      }),
    });
    return row;
  });
  return { connector, secret };
}

/** A new signing secret, shown once; the Lambda refuses Rotor's requests until it has it too. */
export async function regenerateConnectorSecret(app: AppContext, request: { actor: Actor; connectorId: string }): Promise<string> {
  const secret = generateConnectorSecret();
  await app.db.transaction(async (tx) => {
    const row = await getConnectorById({ db: tx, id: request.connectorId });
    if (!row) throw new AppError("not-found", "That connector no longer exists.");
    if (configOf(row).mode !== "rotor") throw new AppError("input:invalid", "A Pulumi ESC-compatible connector has no signing secret.");
    await updateConnectorById({ db: tx, id: row.id, patch: { secretCiphertext: app.keyring.encrypt(secret, connectorSecretContext(row.id)) } });
    await insertAuditEvent({ tx, event: audit(request.actor, "connector.secret_regenerated", row, {}) });
  });
  return secret;
}

export async function deleteConnector(app: AppContext, request: { actor: Actor; connectorId: string; confirmName: string }) {
  await app.db.transaction(async (tx) => {
    const row = await getConnectorById({ db: tx, id: request.connectorId });
    if (!row) throw new AppError("not-found", "That connector no longer exists.");
    if (request.confirmName !== row.name) throw new AppError("input:invalid", `Type ${row.name} exactly to confirm.`, { fieldErrors: { confirmName: "Does not match the name" } });
    const users = await listConnectorUsers({ db: tx, id: row.id });
    if (users.length) throw new AppError("conflict", `${row.name} is still used by ${users.map((u) => `rotator ${u}`).join(", ")}. Switch them to another connector first.`);
    await deleteConnectorById({ db: tx, id: row.id });
    await insertAuditEvent({ tx, event: audit(request.actor, "connector.deleted", row, { config: row.config }) });
  });
}

/**
 * The DatabaseConnector a rotation (or a connection test) uses for this connector, with its secret — also
 * returned so the caller can scrub it from any message.
 */
export async function connectorFor(
  app: AppContext,
  connectorId: string,
  use: Omit<LoginUse, "purpose">,
  options: LoginOptions = {},
): Promise<{ connector: LambdaDatabaseConnector; mode: ConnectorMode; secrets: string[] }> {
  const row = await getConnectorById({ db: app.db, id: connectorId });
  if (!row) throw new AppError("not-found", "The connector this rotator uses no longer exists. Choose another connector or direct.");
  if (!row.loginProviderId) throw new AppError("input:invalid", `The connector ${row.name} has no login to invoke its Lambda with.`);
  const config = configOf(row);
  const credentials = credentialsForLogin(app, row.loginProviderId, { ...use, purpose: "connector" }, options);
  const target = { functionName: config.functionArn, region: config.region, credentials };
  if (config.mode === "esc") return { connector: createEscLambdaConnector(target), mode: "esc", secrets: [] };
  if (!row.secretCiphertext) throw new AppError("input:invalid", `The connector ${row.name} has no signing secret; regenerate it on the Connectors page.`);
  const secret = app.keyring.decrypt(row.secretCiphertext, connectorSecretContext(row.id));
  return { connector: createRotorLambdaConnector({ ...target, secret }), mode: "rotor", secrets: [secret] };
}

/** "Test": invoke the function (Rotor's handler answers a signed hello; an ESC connector a harmless probe). */
export async function testConnector(app: AppContext, request: { actor: Actor; connectorId: string }, options: LoginOptions = {}): Promise<{ details: string[] }> {
  const row = await getConnectorById({ db: app.db, id: request.connectorId });
  if (!row) throw new AppError("not-found", "That connector no longer exists.");
  let secrets: string[] = [];
  try {
    const resolved = await connectorFor(app, row.id, { environment: TEST_SUBJECT_NAME, rotator: TEST_SUBJECT_NAME }, options);
    secrets = resolved.secrets;
    const result = await resolved.connector.probe();
    await recordAuditEvent({ db: app.db, event: audit(request.actor, "connector.tested", row, {}) });
    return result;
  } catch (error) {
    const failure = toAppError(error, { secrets, context: `test of connector ${row.id}` });
    await recordAuditEvent({ db: app.db, event: audit(request.actor, "connector.tested", row, { error: failure.message }, "failure") });
    throw toAppError(failure, { prefix: "Connector test failed" });
  }
}
