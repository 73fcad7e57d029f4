/**
 * The fake account's state: users, their access keys and tags, and temporary session credentials.
 * Times come from an injectable clock so tests can make IAM's eventual consistency (the propagation delay)
 * pass instantly by advancing a virtual clock shared with the code under test.
 */
import { randomBytes } from "node:crypto";
import { FakeAwsError, limitExceeded, noSuchEntity } from "./errors";

export type KeyStatus = "Active" | "Inactive";

/** `"*"` allows every action; otherwise a list like `["iam:GetUser", "iam:ListAccessKeys"]`. */
export type FakePolicy = "*" | readonly string[];

/** What IAM's policy evaluation decides for one action (SimulatePrincipalPolicy's EvalDecision). */
export type EvalDecision = "allowed" | "implicitDeny" | "explicitDeny";

/** An identity's policies: what is allowed, and what an explicit Deny statement refuses (a Deny always wins). */
export interface PolicyHolder {
  policy: FakePolicy;
  /** Actions (or "service:*", or "*") denied explicitly. */
  deny?: readonly string[];
}

export interface FakeUser {
  userName: string;
  userId: string;
  path: string;
  arn: string;
  createDate: Date;
  /** Insertion-ordered, as ListUserTags returns them. */
  tags: Map<string, string>;
  policy: FakePolicy;
  deny?: readonly string[];
}

export interface FakeAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  userName: string;
  status: KeyStatus;
  createDate: Date;
  /** Virtual time (ms) from which STS/IAM accept the key. */
  usableFrom: number;
  /** The last request this key signed that reached a service (GetAccessKeyLastUsed); absent: never used. */
  lastUsed?: { date: Date; serviceName: string; region: string };
}

/** Who signed a request, as GetCallerIdentity reports it and as authorization checks see it. */
export interface FakePrincipal {
  arn: string;
  userId: string;
  account: string;
  policy: FakePolicy;
  deny?: readonly string[];
  /** Set for IAM users: the user's name (ListAccessKeys/GetUser without UserName default to it). */
  userName?: string;
}

/** Temporary credentials (ASIA…) with a session token, e.g. from AssumeRole-like extensions. */
export interface FakeSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  principal: FakePrincipal;
  /** Virtual time (ms) after which the session is refused with ExpiredToken. */
  expiresAt: number;
}

/** AWS documents this quota: "Access keys per user: 2". */
export const ACCESS_KEYS_PER_USER = 2;
/** AWS documents this quota: "Tags per IAM user: 50". */
export const TAGS_PER_USER = 50;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function randomId(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (let i = 0; i < length; i++) out += BASE32[bytes[i] % 32];
  return out;
}
export const newAccessKeyId = () => randomId("AKIA", 16);
export const newSessionKeyId = () => randomId("ASIA", 16);
export const newUserId = () => randomId("AIDA", 17);
export const newSecret = () => randomBytes(30).toString("base64"); // 40 characters, like AWS secrets

export class FakeAwsStore {
  readonly users = new Map<string, FakeUser>(); // key: lower-cased name (IAM names are case-insensitive)
  readonly keys = new Map<string, FakeAccessKey>();
  readonly sessions = new Map<string, FakeSession>();
  /** Other identities whose policies IAM knows by ARN (roles, from the web-identity extension). */
  readonly policySources: ((arn: string) => PolicyHolder | undefined)[] = [];
  propagationDelayMs: number;

  constructor(
    readonly accountId: string,
    readonly now: () => number,
    propagationDelayMs: number,
  ) {
    this.propagationDelayMs = propagationDelayMs;
  }

  createUser(userName: string, options: { path?: string; policy?: FakePolicy; deny?: readonly string[]; tags?: Record<string, string> } = {}) {
    if (this.users.has(userName.toLowerCase())) {
      throw new FakeAwsError("EntityAlreadyExists", `User with name ${userName} already exists.`, 409);
    }
    const path = options.path ?? "/";
    const user: FakeUser = {
      userName,
      userId: newUserId(),
      path,
      arn: `arn:aws:iam::${this.accountId}:user${path}${userName}`,
      createDate: new Date(this.now()),
      tags: new Map(Object.entries(options.tags ?? {})),
      policy: options.policy ?? [],
      ...(options.deny ? { deny: options.deny } : {}),
    };
    this.users.set(userName.toLowerCase(), user);
    return user;
  }

  getUser(userName: string): FakeUser {
    const user = this.users.get(userName.toLowerCase());
    if (!user) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
    return user;
  }

  keysOf(userName: string): FakeAccessKey[] {
    const user = this.getUser(userName);
    return [...this.keys.values()].filter((k) => k.userName === user.userName);
  }

  /**
   * Create a key, enforcing the 2-keys quota. `propagated: false` applies the propagation delay (the API
   * path); seeding from tests defaults to a key that already works.
   */
  createAccessKey(
    userName: string,
    options: { accessKeyId?: string; secretAccessKey?: string; status?: KeyStatus; createDate?: Date; propagated?: boolean } = {},
  ): FakeAccessKey {
    const user = this.getUser(userName);
    if (this.keysOf(user.userName).length >= ACCESS_KEYS_PER_USER) {
      throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`);
    }
    const now = this.now();
    const key: FakeAccessKey = {
      accessKeyId: options.accessKeyId ?? newAccessKeyId(),
      secretAccessKey: options.secretAccessKey ?? newSecret(),
      userName: user.userName,
      status: options.status ?? "Active",
      // IAM reports whole seconds.
      createDate: options.createDate ?? new Date(Math.floor(now / 1000) * 1000),
      usableFrom: options.propagated === false ? now + this.propagationDelayMs : now,
    };
    if (this.keys.has(key.accessKeyId)) throw new FakeAwsError("EntityAlreadyExists", "Duplicate access key id.", 409);
    this.keys.set(key.accessKeyId, key);
    return key;
  }

  /** Keys are addressed by id within a user; a key of another user is "not found", as in IAM. */
  findUserKey(userName: string, accessKeyId: string): FakeAccessKey {
    const user = this.getUser(userName);
    const key = this.keys.get(accessKeyId);
    if (!key || key.userName !== user.userName) {
      throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
    }
    return key;
  }

  /** The policies of the IAM identity (user or role) with this ARN; undefined when IAM has no such entity. */
  policiesOf(arn: string): PolicyHolder | undefined {
    const user = [...this.users.values()].find((u) => u.arn === arn);
    if (user) return user;
    for (const source of this.policySources) {
      const found = source(arn);
      if (found) return found;
    }
    return undefined;
  }

  principalOfUser(user: FakeUser): FakePrincipal {
    return { arn: user.arn, userId: user.userId, account: this.accountId, policy: user.policy, deny: user.deny, userName: user.userName };
  }

  issueSession(principal: FakePrincipal, durationSeconds = 3600): FakeSession {
    const session: FakeSession = {
      accessKeyId: newSessionKeyId(),
      secretAccessKey: newSecret(),
      sessionToken: randomBytes(48).toString("base64"),
      principal,
      expiresAt: this.now() + durationSeconds * 1000,
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }
}

function matches(list: FakePolicy, action: string): boolean {
  if (list === "*") return true;
  const [service] = action.split(":");
  return list.includes("*") || list.includes(action) || list.includes(`${service}:*`);
}

export function policyAllows(policy: FakePolicy, action: string): boolean {
  return matches(policy, action);
}

/** IAM's order: an explicit Deny wins, then an Allow, else the implicit deny. */
export function evaluatePolicy(holder: PolicyHolder, action: string): EvalDecision {
  if (holder.deny && matches(holder.deny, action)) return "explicitDeny";
  return matches(holder.policy, action) ? "allowed" : "implicitDeny";
}
