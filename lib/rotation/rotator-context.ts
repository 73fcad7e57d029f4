import "server-only";
/**
 * What a rotator needs besides its inputs to reach its target, resolved from the rotator's row:
 * - `aws-iam` with a login provider → `awsCredentials` (static keys, or an OIDC login's temporary credentials);
 * - `postgres` / `mysql` with a connector → `databaseConnector` (the aws-lambda connector, Rotor's handler or
 *   ESC-compatible) instead of a direct connection.
 * Used by the rotation engine for every run and by "Test connection". Nothing is fetched here: credentials
 * are obtained lazily when the rotator first asks for them.
 */
import type { AppContext } from "../app-context";
import { AppError } from "../errors";
import type { RotatorContext, RotatorType } from "../rotators/types";
import { credentialsForLogin, type LoginOptions } from "../aws-logins/service";
import { connectorFor } from "../connectors/service";
import { getLoginProviderById } from "../db/queries/login-providers";
import { getConnectorById } from "../db/queries/connectors";

export interface RotatorBinding {
  type: RotatorType;
  loginProviderId?: string | null;
  connectorId?: string | null;
  /** Fill the login's subject template. */
  environmentName: string;
  rotatorName: string;
}

export interface ResolvedRotatorContext {
  context: Partial<RotatorContext>;
  /** Secrets (a connector's signing secret) to scrub from any message. */
  secrets: string[];
}

/** Which rotator types may use which binding; anything else is refused when the rotator is saved. */
export function checkBinding(binding: Pick<RotatorBinding, "type" | "loginProviderId" | "connectorId">): void {
  if (binding.loginProviderId && binding.type !== "aws-iam") {
    throw new AppError("input:invalid", "Only aws-iam rotators use a login provider.", { fieldErrors: { loginProviderId: "Not for this type" } });
  }
  if (binding.connectorId && binding.type !== "postgres" && binding.type !== "mysql") {
    throw new AppError("input:invalid", "Only postgres and mysql rotators use a connector.", { fieldErrors: { connectorId: "Not for this type" } });
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
  if (binding.type === "aws-iam" && binding.loginProviderId) {
    context.awsCredentials = credentialsForLogin(app, binding.loginProviderId, { ...use, purpose: "rotation" }, options);
  }
  if ((binding.type === "postgres" || binding.type === "mysql") && binding.connectorId) {
    const resolved = await connectorFor(app, binding.connectorId, use, options);
    context.databaseConnector = resolved.connector;
    secrets.push(...resolved.secrets);
  }
  return { context, secrets };
}
