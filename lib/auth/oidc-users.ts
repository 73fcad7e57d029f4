import "server-only";
/**
 * Maps a single-sign-on identity to a Rotor user. New users get ROTOR_OIDC_DEFAULT_ROLE; when a role claim
 * is configured, the role follows the claim at every sign-in (the identity provider stays the source of truth).
 * An SSO identity never takes over a local account with the same email: the IdP may not verify emails.
 */
import type { Db } from "../db/client";
import type { OidcConfig, Role } from "../env";
import { hasRole } from "./roles";
import { getUserByEmail, getUserByOidcSubject, insertUser, updateUserById } from "../db/queries/users";
import { insertAuditEvent } from "../db/queries/audit";
import type { User } from "../db/schema";

export function roleFromClaims(config: OidcConfig, profile: Record<string, unknown>): Role | undefined {
  if (!config.roleClaim) return undefined;
  const raw = profile[config.roleClaim];
  const values = Array.isArray(raw) ? raw.map(String) : raw === undefined || raw === null ? [] : [String(raw)];
  let best: Role | undefined;
  for (const value of values) {
    const role = config.roleMap[value] ?? ((["admin", "operator", "viewer"] as const).find((r) => r === value));
    if (role && (!best || hasRole(role, best))) best = role;
  }
  return best;
}

export type OidcSignInResult = { ok: true; user: User } | { ok: false; reason: string };

export async function signInOidcUser({
  db,
  config,
  subject,
  profile,
  ip,
}: {
  db: Db;
  config: OidcConfig;
  subject: string;
  profile: Record<string, unknown>;
  ip: string | null;
}): Promise<OidcSignInResult> {
  const email = typeof profile.email === "string" ? profile.email : `${subject}@${new URL(config.issuer).host}`;
  const name = typeof profile.name === "string" ? profile.name : email;
  const claimedRole = roleFromClaims(config, profile);
  return db.transaction(async (tx) => {
    let user = await getUserByOidcSubject({ db: tx, issuer: config.issuer, subject });
    const deny = async (reason: string) => {
      await insertAuditEvent({
        tx,
        event: { actorId: user?.id ?? null, actorLabel: email, ip, action: "auth.sign_in", outcome: "failure", details: { method: "oidc", reason } },
      });
      return { ok: false as const, reason };
    };
    if (!user) {
      if (await getUserByEmail({ db: tx, email })) return deny("email belongs to a local account");
      user = await insertUser({
        db: tx,
        user: { email, name, role: claimedRole ?? config.defaultRole, authSource: "oidc", oidcIssuer: config.issuer, oidcSubject: subject },
      });
      await insertAuditEvent({
        tx,
        event: { actorId: user.id, actorLabel: email, ip, action: "user.created", targetType: "user", targetId: user.id, targetLabel: email, details: { role: user.role, via: "oidc" } },
      });
    } else if (user.disabledAt) {
      return deny("user is disabled");
    } else if (claimedRole && claimedRole !== user.role) {
      const from = user.role;
      user = (await updateUserById({ db: tx, id: user.id, patch: { role: claimedRole } }))!;
      await insertAuditEvent({
        tx,
        event: { actorId: user.id, actorLabel: email, ip, action: "user.role_changed", targetType: "user", targetId: user.id, targetLabel: email, details: { from, to: claimedRole, via: "oidc claim" } },
      });
    }
    await updateUserById({ db: tx, id: user.id, patch: { lastSignInAt: new Date() } });
    await insertAuditEvent({
      tx,
      event: { actorId: user.id, actorLabel: email, ip, action: "auth.sign_in", details: { method: "oidc" } },
    });
    return { ok: true as const, user };
  });
}
