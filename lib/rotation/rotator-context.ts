import "server-only";
/**
 * What a rotator needs besides its inputs to reach its target, resolved from the rotator's row by its type's
 * binding (lib/rotators/<type>/meta.ts):
 * - `aws-login` with a login provider → `awsCredentials` (static keys, or an OIDC login's temporary credentials);
 * - `connector` with a connector → `databaseConnector` (the aws-lambda connector, Rotor's handler or
 *   ESC-compatible) instead of a direct connection.
 * - `issuer` → `issuerToken`, tokens signed by Rotor's OIDC issuer for an external rotator's adapter.
 * Used by the rotation engine for every run and by "Test connection". Nothing is fetched here: credentials
 * are obtained lazily when the rotator first asks for them.
 */
import type { AppContext } from "../app-context";
import { AppError } from "../errors";
import type { RotatorContext, RotatorType } from "../rotators/types";
import { rotatorMeta, typesWithBinding } from "../rotators/meta";
import { adapterTokenSigner, credentialsForLogin, type LoginOptions } from "../aws-logins/service";
import { connectorFor } from "../connectors/service";
import { getLoginProviderById } from "../db/queries/login-providers";
import { getConnectorById } from "../db/queries/connectors";
import { getEnvironmentById } from "../db/queries/environments";
import type { RotatorRow } from "../db/schema";

export interface RotatorBinding {
  type: RotatorType;
  loginProviderId?: string | null;
  connectorId?: string | null;
  /** Fill the login's subject template. */
  environmentName: string;
  rotatorName: string;
  /** The rotator's row id, when it exists (audit of the tokens signed for it). */
  rotatorId?: string;
}

export interface ResolvedRotatorContext {
  context: Partial<RotatorContext>;
  /** Secrets (a connector's signing secret) to scrub from any message. */
  secrets: string[];
}

/** Which rotator types may use which binding; anything else is refused when the rotator is saved. */
export function checkBinding(binding: Pick<RotatorBinding, "type" | "loginProviderId" | "connectorId">): void {
  const kind = rotatorMeta(binding.type).binding.kind;
  if (binding.loginProviderId && kind !== "aws-login") {
    const types = typesWithBinding("aws-login").join(" and ");
    throw new AppError("input:invalid", `Only ${types} rotators use a login provider.`, { fieldErrors: { loginProviderId: "Not for this type" } });
  }
  if (binding.connectorId && kind !== "connector") {
    const types = typesWithBinding("connector").join(" and ");
    throw new AppError("input:invalid", `Only ${types} rotators use a connector.`, { fieldErrors: { connectorId: "Not for this type" } });
  }
}

/** The chosen login provider and connector exist (a clear message instead of a foreign-key error). */
export async function checkBindingExists(app: Pick<AppContext, "db">, binding: Pick<RotatorBinding, "loginProviderId" | "connectorId">): Promise<void> {
  if (binding.loginProviderId && !(await getLoginProviderById({ db: app.db, id: binding.loginProviderId }))) {
    throw new AppError("input:invalid", "That login no longer exists.", { fieldErrors: { loginProviderId: "No such login" } });
  }
  if (binding.connectorId && !(await getConnectorById({ db: app.db, id: binding.connectorId }))) {
    throw new AppError("input:invalid", "That connector no longer exists.", { fieldErrors: { connectorId: "No such connector" } });
  }
}

export async function resolveRotatorContext(app: AppContext, binding: RotatorBinding, options: LoginOptions = {}): Promise<ResolvedRotatorContext> {
  const use = { environment: binding.environmentName, rotator: binding.rotatorName };
  const context: Partial<RotatorContext> = {};
  const secrets: string[] = [];
  const kind = rotatorMeta(binding.type).binding.kind;
  if (kind === "aws-login" && binding.loginProviderId) {
    context.awsCredentials = credentialsForLogin(app, binding.loginProviderId, { ...use, purpose: "rotation" }, options);
  }
  if (kind === "issuer") {
    context.issuerToken = adapterTokenSigner(app, { ...use, rotatorId: binding.rotatorId }, options);
  }
  if (kind === "connector" && binding.connectorId) {
    const resolved = await connectorFor(app, binding.connectorId, use, options);
    context.databaseConnector = resolved.connector;
    secrets.push(...resolved.secrets);
  }
  return { context, secrets };
}

/**
 * A saved rotator's context, as its rotations reach the target (its environment's name fills a login's
 * subject template): what Roll back and Import share, so they prove credentials the way a rotation would.
 */
export async function resolveStoredRotatorContext(
  app: AppContext,
  rotator: Pick<RotatorRow, "id" | "type" | "name" | "environmentId" | "loginProviderId" | "connectorId">,
): Promise<ResolvedRotatorContext> {
  const environment = await getEnvironmentById({ db: app.db, id: rotator.environmentId });
  return resolveRotatorContext(app, {
    type: rotator.type,
    loginProviderId: rotator.loginProviderId,
    connectorId: rotator.connectorId,
    environmentName: environment?.name ?? "",
    rotatorName: rotator.name,
    rotatorId: rotator.id,
  });
}
