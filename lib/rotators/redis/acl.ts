/**
 * What Rotor reads and writes in Redis ACLs, kept apart from the network so it can be reasoned about alone.
 *
 * Passwords travel to Redis only as their SHA-256 (`#<hash>` adds, `!<hash>` removes): that is how Redis stores
 * them, so the plaintext of a new password never appears in a command — not in MONITOR, SLOWLOG or a proxy's log.
 * Rotor never sends `resetpass` or `nopass`: a password it was not given stays exactly as it is.
 */
import { createHash } from "node:crypto";

/** How Redis stores a password: lower-case hex SHA-256 of its bytes. */
export function aclPasswordHash(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

export interface AclUser {
  enabled: boolean;
  /** SHA-256 hex of each password the user has. */
  passwords: string[];
  nopass: boolean;
  commands: string;
  /** Redis 7 selectors: further permission sets beside the root rules in `commands`. */
  hasSelectors?: boolean;
}

/**
 * ACL GETUSER's reply: a map under RESP3, a flat [key, value, …] list under RESP2; null when there is no such user.
 */
export function parseAclUser(reply: unknown): AclUser | null {
  if (reply === null || reply === undefined) return null;
  let fields: Record<string, unknown>;
  if (Array.isArray(reply)) {
    fields = {};
    for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = reply[i + 1];
  } else if (reply instanceof Map) {
    fields = Object.fromEntries([...reply.entries()].map(([k, v]) => [String(k), v]));
  } else if (typeof reply === "object") {
    fields = reply as Record<string, unknown>;
  } else {
    throw new Error("ACL GETUSER answered with something that is not a user description");
  }
  const flags = Array.isArray(fields.flags) ? fields.flags.map(String) : [];
  return {
    enabled: flags.includes("on"),
    nopass: flags.includes("nopass"),
    passwords: Array.isArray(fields.passwords) ? fields.passwords.map(String) : [],
    commands: typeof fields.commands === "string" ? fields.commands : String(fields.commands ?? ""),
    hasSelectors: Array.isArray(fields.selectors) && fields.selectors.length > 0,
  };
}

/**
 * The ACL SETUSER rules that install `next` on a user and retire `retiring`, given what the user has now.
 * Idempotent: a password already present is not added again, one already gone is not removed again (Redis
 * refuses to remove a password the user does not have). Never removes the password of `keep` (the current
 * credential), whatever the caller asks.
 */
export function passwordRules(user: AclUser, change: { add?: string; remove?: string | null; keep?: string | null }): string[] {
  const has = new Set(user.passwords);
  const rules: string[] = [];
  const keep = change.keep ? aclPasswordHash(change.keep) : null;
  if (change.add) {
    const hash = aclPasswordHash(change.add);
    if (!has.has(hash)) rules.push(`#${hash}`);
  }
  if (change.remove) {
    const hash = aclPasswordHash(change.remove);
    const added = change.add ? aclPasswordHash(change.add) : null;
    if (has.has(hash) && hash !== keep && hash !== added) rules.push(`!${hash}`);
  }
  return rules;
}

/** The connections CLIENT LIST reports for one user (Redis 7.2 has CLIENT LIST USER; older servers do not). */
export function clientsOfUser(clientList: string, username: string): { id: string; addr: string; age: number; idle: number }[] {
  const clients: { id: string; addr: string; age: number; idle: number }[] = [];
  for (const line of clientList.split("\n")) {
    if (!line.trim()) continue;
    const fields = new Map<string, string>();
    for (const part of line.trim().split(" ")) {
      const eq = part.indexOf("=");
      if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
    }
    if (fields.get("user") === username) {
      clients.push({ id: fields.get("id") ?? "", addr: fields.get("addr") ?? "", age: Number(fields.get("age") ?? 0), idle: Number(fields.get("idle") ?? 0) });
    }
  }
  return clients;
}

/**
 * The ACL categories of the commands Rotor runs (ACL CAT <category> on Redis 7), so that a user's rules can be
 * evaluated for them without asking the server about categories.
 */
const CATEGORIES_OF: Record<string, readonly string[]> = {
  "acl|getuser": ["admin", "slow", "dangerous"],
  "acl|setuser": ["admin", "slow", "dangerous"],
  "acl|save": ["admin", "slow", "dangerous"],
  "acl|dryrun": ["admin", "slow", "dangerous"],
  "client|list": ["admin", "slow", "dangerous", "connection"],
};

/**
 * Whether a user whose ACL GETUSER `commands` rules are `rules` (e.g. "-@all +acl|getuser +acl|setuser") may run
 * `command` ("acl|setuser"): the rules apply left to right, as Redis applies them. null when it cannot be told —
 * a command whose categories are not listed above, or a denial that a selector might lift.
 */
export function aclAllows(rules: string, command: string, options: { hasSelectors?: boolean } = {}): boolean | null {
  const [parent] = command.split("|");
  const categories = CATEGORIES_OF[command];
  let allowed = false;
  let known = true;
  for (const token of rules.split(/\s+/).filter(Boolean)) {
    const sign = token[0];
    const name = token.slice(1).toLowerCase();
    if (token === "allcommands") allowed = true;
    else if (token === "nocommands") allowed = false;
    else if (sign !== "+" && sign !== "-") continue;
    else if (name === "@all") allowed = sign === "+";
    else if (name.startsWith("@")) {
      if (!categories) known = false;
      else if (categories.includes(name.slice(1))) allowed = sign === "+";
    } else if (name === command || name === parent) allowed = sign === "+";
  }
  if (!known) return null;
  return !allowed && options.hasSelectors ? null : allowed;
}
