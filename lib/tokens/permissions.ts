/**
 * What an API caller may do. Each API operation needs one capability; a capability is granted
 *   - to a personal token by its owner's CURRENT role (the same minimum role as the dashboard's action), and
 *   - to a service token by its scope (`read` ⊂ `rotate` ⊂ `admin`) — and only inside its environments.
 */
import type { Role } from "../env";
import { hasRole } from "../auth/roles";
import type { TOKEN_SCOPES } from "../db/vocabulary";

export type TokenScope = (typeof TOKEN_SCOPES)[number];

interface CapabilityRule {
  /** Minimum role of a personal token's owner. */
  role: Role;
  /** Service-token scopes that include it. */
  scopes: readonly TokenScope[];
}

const READ: readonly TokenScope[] = ["read", "rotate", "admin"];
const ROTATE: readonly TokenScope[] = ["rotate", "admin"];
const ADMIN: readonly TokenScope[] = ["admin"];

export const CAPABILITIES = {
  "environment.list": { role: "viewer", scopes: READ },
  "environment.read": { role: "viewer", scopes: READ },
  /** The document with its secret values: never for viewers. */
  "environment.open": { role: "operator", scopes: READ },
  "environment.watch": { role: "viewer", scopes: READ },
  "environment.create": { role: "operator", scopes: ADMIN },
  "environment.update": { role: "operator", scopes: ADMIN },
  "environment.delete": { role: "admin", scopes: ADMIN },
  "environment.value_set": { role: "operator", scopes: ADMIN },
  "revision.read": { role: "viewer", scopes: READ },
  "rotator.read": { role: "viewer", scopes: ROTATE },
  "rotator.write": { role: "operator", scopes: ADMIN },
  "rotation.start": { role: "operator", scopes: ROTATE },
  "run.read": { role: "viewer", scopes: ROTATE },
  "schedule.read": { role: "viewer", scopes: ROTATE },
  "schedule.write": { role: "operator", scopes: ADMIN },
  /** Create environments, AWS logins and connectors from Pulumi ESC definitions. */
  "environment.import": { role: "admin", scopes: ADMIN },
  /** An ESC export with its secret values and state. */
  "environment.export_secrets": { role: "admin", scopes: ADMIN },
  /** Own personal tokens (list, create, revoke). */
  "token.own": { role: "viewer", scopes: ADMIN },
  /** Every token, and service tokens. */
  "token.manage": { role: "admin", scopes: ADMIN },
  /** The audit log's signed checkpoint (for an external monitor). */
  "audit.checkpoint": { role: "admin", scopes: ADMIN },
} as const satisfies Record<string, CapabilityRule>;

export type Capability = keyof typeof CAPABILITIES;

export type Grant = { kind: "personal"; role: Role } | { kind: "service"; scope: TokenScope; environmentIds: readonly string[] | null };

/** Whether the grant includes the capability at all (environment restrictions are checked separately). */
export function grants(grant: Grant, capability: Capability): boolean {
  const rule: CapabilityRule = CAPABILITIES[capability];
  return grant.kind === "personal" ? hasRole(grant.role, rule.role) : rule.scopes.includes(grant.scope);
}

/** Whether the grant reaches this environment: personal tokens reach all (as their owner does in the dashboard). */
export function reachesEnvironment(grant: Grant, environmentId: string): boolean {
  return grant.kind === "personal" || grant.environmentIds === null || grant.environmentIds.includes(environmentId);
}

/** The role a personal token needs, or the scope a service token needs, for the error message. */
export function describeRequirement(grant: Grant, capability: Capability): string {
  const rule: CapabilityRule = CAPABILITIES[capability];
  return grant.kind === "personal" ? `the ${rule.role} role` : `a token with the ${rule.scopes[0] ?? "personal"} scope`;
}
