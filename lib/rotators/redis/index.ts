/**
 * `redis`: passwords of Redis 6+ / Valkey ACL users (./inputs.ts explains the two modes).
 *
 * One rotation, in order:
 *   1. add the new password to the user (`ACL SETUSER u #<sha256>`), beside the ones it has;
 *   2. sign in with it on a fresh connection: nothing is retired until the new password is proven;
 *   3. record in the write-ahead record that the retiring password is about to go (checkpoint), then remove it
 *      (`!<sha256>`): single-user mode retires the password two generations old (today's previous), two-user
 *      mode the spare user's previous password;
 *   4. ACL SAVE when the server keeps its users in an aclfile.
 * Every step reads the user first (ACL GETUSER), so a resumed run skips what is already done. A password Rotor
 * was not given is never removed, and `resetpass`/`nopass` are never sent.
 */
import { isRotatorError, RotatorError } from "../errors";
import { generatePassword } from "../password/generate";
import { sleepFor, type CheckLine, type Credential, type Pending, type RotatorDefinition, type RotatorState } from "../types";
import { aclAllows, aclPasswordHash, clientsOfUser, parseAclUser, passwordRules, type AclUser } from "./acl";
import { blockedLine, failedLine, lineFromError, okLine, passwordRulesLine, warningLine } from "../preflight";
import { withRedis, type RedisPhase, type RedisSession } from "./client";
import { usernamePasswordCredentialSchema } from "../sql/inputs";
import { rotatedUsers, type RedisInputs } from "./inputs";
import { redisMeta } from "./meta";

/** A password set on one Redis is at once usable there; one more try covers a proxy that reconnects slowly. */
const VERIFY_DELAYS_MS = [500];

function parseCredential(credential: Credential | null | undefined, what: string): { username: string; password: string } {
  const parsed = usernamePasswordCredentialSchema.safeParse(credential ?? undefined);
  if (!parsed.success) throw new RotatorError("input:invalid", `${what} must be exactly { username, password } with both non-empty.`);
  return parsed.data;
}

function checkUsername(inputs: RedisInputs, username: string, what: string): void {
  const users = rotatedUsers(inputs);
  if (!users.includes(username)) {
    throw new RotatorError("input:invalid", `${what} is for ACL user "${username}", which is not ${users.map((u) => `"${u}"`).join(" or ")}.`);
  }
}

/** Secrets any message of this rotation could echo: the managing password and every password in play. */
function secretsOf(inputs: RedisInputs, ...credentials: (Credential | null | undefined)[]): string[] {
  return [inputs.managing.password, ...credentials.map((c) => c?.password)].filter((s): s is string => Boolean(s));
}

function asManaging<T>(inputs: RedisInputs, phase: RedisPhase, secrets: string[], body: (session: RedisSession) => Promise<T>) {
  return withRedis(inputs, inputs.managing, { phase, secrets, managing: inputs.managing.username }, body);
}

async function readUser(session: RedisSession, inputs: RedisInputs, username: string): Promise<AclUser> {
  const user = parseAclUser(await session.command(["ACL", "GETUSER", username]));
  if (!user) {
    throw new RotatorError(
      "target:user-not-found",
      `ACL user "${username}" does not exist at Redis ${inputs.host}:${inputs.port}. Create it with the permissions your application needs ` +
        `(ACL SETUSER ${username} on >… ~… +…) before rotating, or fix the user name.`,
    );
  }
  return user;
}

async function signIn(inputs: RedisInputs, credential: { username: string; password: string }): Promise<void> {
  await withRedis(inputs, credential, { phase: "verify-login", secrets: secretsOf(inputs, credential) }, async () => undefined);
}

/** Single-user: the one user. Two-user: the user that is not current (without a current, avoid previous). */
function nextUser(inputs: RedisInputs, state: RotatorState): string {
  if (inputs.mode === "single-user") return inputs.username!;
  const busy = state.current?.username ?? state.previous?.username;
  return busy === inputs.username1 ? inputs.username2! : inputs.username1!;
}

/** The password this rotation retires on `username`: the previous credential when it is that user's. */
function retiringPassword(state: RotatorState, username: string): string | null {
  return state.previous?.username === username ? state.previous.password ?? null : null;
}

export const redisRotator: RotatorDefinition<RedisInputs> = {
  ...redisMeta,

  async testConnection({ inputs }) {
    const secrets = secretsOf(inputs);
    return asManaging(inputs, "inspect", secrets, async (session) => {
      const hello = helloFields(await session.command(["HELLO"]));
      const server = [hello.server ?? "Redis", hello.version].filter(Boolean).join(" ");
      const details = [`Signed in to ${server} at ${inputs.host}:${inputs.port} as "${inputs.managing.username}" ${inputs.tls.mode === "disable" ? "without TLS" : "over TLS"}.`];
      if (hello.role && hello.role !== "master") {
        throw new RotatorError("target:rejected", `Redis at ${inputs.host}:${inputs.port} is a ${hello.role}: point Rotor at the primary, where ACL changes are made.`);
      }
      for (const username of rotatedUsers(inputs)) {
        const user = await readUser(session, inputs, username);
        if (user.nopass) {
          throw new RotatorError("target:rejected", `ACL user "${username}" has nopass: any password signs in, so a rotation would prove nothing. Remove nopass from it first (Rotor never sends resetpass).`);
        }
        if (!user.enabled) throw new RotatorError("target:rejected", `ACL user "${username}" is off: nobody can sign in as it. Turn it on (ACL SETUSER ${username} on).`);
        // SETUSER with no rules changes nothing on an existing user: it proves the permission to change it.
        await session.command(["ACL", "SETUSER", username]);
        details.push(`ACL user "${username}" exists with ${user.passwords.length} password${user.passwords.length === 1 ? "" : "s"}, and the managing user may change its passwords.`);
      }
      try {
        await session.command(["CLIENT", "LIST"]);
        details.push("The managing user can list connections (CLIENT LIST), so Rotor can see who still signs in as a rotated user.");
      } catch {
        details.push(`Warning: the managing user may not run CLIENT LIST, so Rotor cannot see who is still connected as a rotated user. Grant it: ACL SETUSER ${inputs.managing.username} +client|list`);
      }
      if (inputs.aclSave) details.push(`ACL SAVE runs after every change: the managing user needs +acl|save and the server an aclfile.`);
      else details.push("Changes are made in memory: if this server loads its users from an aclfile, turn on ACL SAVE, or a restart brings back the file's passwords.");
      return { ok: true, details };
    });
  },

  async preflight({ inputs }) {
    const secrets = secretsOf(inputs);
    const where = `${inputs.host}:${inputs.port}`;
    const manager = inputs.managing.username;
    const reach = `Reach Redis at ${where} (TLS ${inputs.tls.mode})`;
    const loginCheck = `Sign in as the managing user "${manager}"`;
    const commands = commandsNeeded(inputs);
    const users = rotatedUsers(inputs);
    const checks: CheckLine[] = [];
    const commandCheck = (c: NeededCommand) => `The managing user may run ${c.command.toUpperCase().replace("|", " ")} (${c.why})`;
    const userCheck = (username: string) => `ACL user "${username}" exists and signs in with passwords`;
    try {
      await asManaging(inputs, "inspect", secrets, async (session) => {
        const hello = helloFields(await session.command(["HELLO"]));
        const server = [hello.server ?? "Redis", hello.version].filter(Boolean).join(" ");
        checks.push(okLine("reach", reach, `Connected to ${server} at ${where}.`), okLine("managing-login", loginCheck, `Signed in as "${manager}".`));
        if (inputs.tls.mode === "disable") {
          checks.push(warningLine("tls", "TLS to Redis", `TLS is off: the managing password travels in plaintext to ${where}.`, 'Set TLS mode to "require" or "verify-full" unless the network is trusted.'));
        }
        if (hello.role && hello.role !== "master") {
          checks.push(failedLine("primary", "Redis is the primary", `Redis at ${where} is a ${hello.role}.`, "Point Rotor at the primary, where ACL changes are made.", { code: "target:rejected", retryable: false }));
        }
        const allowed = await managingPermissions(session, manager, commands, users[0]!);
        for (const c of commands) {
          const verdict = allowed.get(c.command)!;
          const grant = `ACL SETUSER ${manager} +${c.command}`;
          if (verdict.allowed === true) checks.push(okLine(`command:${c.command}`, commandCheck(c), `Allowed (${verdict.how}).`));
          else if (verdict.allowed === null) checks.push(warningLine(`command:${c.command}`, commandCheck(c), `Could not tell (${verdict.how}).`, `Grant ${manager} +acl|dryrun so Rotor can check, or make sure: ${grant}`));
          else if (c.required) checks.push(failedLine(`command:${c.command}`, commandCheck(c), `"${manager}" may not run ${c.command} (${verdict.how}).`, grant, { code: "auth:permission-denied", retryable: false }));
          else checks.push(warningLine(`command:${c.command}`, commandCheck(c), `"${manager}" may not run ${c.command} (${verdict.how}).`, grant));
        }
        const canRead = allowed.get("acl|getuser")!.allowed !== false;
        for (const username of users) {
          if (!canRead) {
            checks.push(blockedLine(`user:${username}`, userCheck(username), "ACL GETUSER"));
            continue;
          }
          const user = parseAclUser(await session.command(["ACL", "GETUSER", username]));
          if (!user) {
            checks.push(failedLine(`user:${username}`, userCheck(username), `Redis at ${where} has no ACL user "${username}".`, `Create it with the permissions your application needs (ACL SETUSER ${username} on >… ~… +…), or fix the user name.`, { code: "target:user-not-found", retryable: false }));
          } else if (user.nopass) {
            checks.push(failedLine(`user:${username}`, userCheck(username), `ACL user "${username}" has nopass: any password signs in, so a rotation would prove nothing.`, `Remove nopass from it (ACL SETUSER ${username} resetpass >…); Rotor never sends resetpass itself.`, { code: "target:rejected", retryable: false }));
          } else if (!user.enabled) {
            checks.push(failedLine(`user:${username}`, userCheck(username), `ACL user "${username}" is off: nobody can sign in as it.`, `ACL SETUSER ${username} on`, { code: "target:rejected", retryable: false }));
          } else {
            checks.push(okLine(`user:${username}`, userCheck(username), `It exists, is on, and has ${user.passwords.length} password${user.passwords.length === 1 ? "" : "s"}.`));
          }
        }
      });
    } catch (error) {
      if (checks.length > 0) {
        checks.push(lineFromError("inspect", "Inspect the ACL users", error));
      } else {
        // Reached and spoke TLS, but the sign-in was refused: the connection itself is fine.
        if (isRotatorError(error) && error.code.startsWith("auth:")) checks.push(okLine("reach", reach, `Redis answered at ${where}.`), lineFromError("managing-login", loginCheck, error));
        else checks.push(lineFromError("reach", reach, error), blockedLine("managing-login", loginCheck, "reaching the server"));
        for (const c of commands) checks.push(blockedLine(`command:${c.command}`, commandCheck(c), "the managing sign-in"));
        for (const username of users) checks.push(blockedLine(`user:${username}`, userCheck(username), "the managing sign-in"));
      }
    }
    checks.push(passwordRulesLine(inputs.passwordRules, "Redis"));
    return { checks };
  },

  async verifyCredential({ inputs, credential }) {
    const parsed = parseCredential(credential, "The credential");
    checkUsername(inputs, parsed.username, "The credential");
    await signIn(inputs, parsed);
    return { ok: true };
  },

  async prepare({ inputs, state }) {
    const username = nextUser(inputs, state);
    // Fresh on every call: a password a half-finished run installed is never reused.
    const password = generatePassword(inputs.passwordRules);
    return { pending: { credential: { username, password }, data: { mode: inputs.mode, username } } };
  },

  async apply({ inputs, state, pending, context }) {
    const credential = parseCredential(pending.credential, "The pending credential");
    checkUsername(inputs, credential.username, "The pending rotation");
    if (inputs.mode === "two-user" && state.current?.username === credential.username) {
      throw new RotatorError("internal:unexpected", `Refusing to rotate "${credential.username}": it is the current user. Prepare the rotation again.`);
    }
    const secrets = secretsOf(inputs, credential, state.current, state.previous);
    const keep = state.current?.username === credential.username ? state.current.password : null;
    const retiring = retiringPassword(state, credential.username);

    await asManaging(inputs, "set-password", secrets, async (session) => {
      const user = await readUser(session, inputs, credential.username);
      const add = passwordRules(user, { add: credential.password });
      if (add.length) {
        await session.command(["ACL", "SETUSER", credential.username, ...add]);
        context.log?.("redis password added", { username: credential.username });
      } else {
        context.log?.("redis password already present; not added again", { username: credential.username });
      }
    });

    // Nothing is retired before the new password is proven to sign in.
    await signIn(inputs, credential);

    let next: Pending & { credential: Credential } = { ...pending, credential: { ...credential } };
    if (retiring) {
      // Recorded first, so that an abandoned run knows the retired password was Rotor's doing (and restores it).
      next = { ...next, data: { ...next.data, retiring: aclPasswordHash(retiring) } };
      await context.checkpoint(next);
    }
    await asManaging(inputs, "set-password", secrets, async (session) => {
      const user = await readUser(session, inputs, credential.username);
      const remove = passwordRules(user, { remove: retiring, keep, add: credential.password });
      if (remove.length) {
        await session.command(["ACL", "SETUSER", credential.username, ...remove]);
        context.log?.("redis password two generations old removed", { username: credential.username });
      }
      if (inputs.aclSave) await saveAcl(session);
    });
    return { pending: next };
  },

  async verify({ inputs, credential, context }) {
    const parsed = parseCredential(credential, "The new credential");
    for (let attempt = 0; ; attempt++) {
      try {
        await signIn(inputs, parsed);
        return { ok: true };
      } catch (error) {
        if (attempt >= VERIFY_DELAYS_MS.length || context.signal?.aborted) {
          if (error instanceof RotatorError && error.code === "auth:verify-failed") {
            throw new RotatorError("auth:verify-failed", `The new password of ACL user "${parsed.username}" does not sign in at Redis ${inputs.host}:${inputs.port}.`, { cause: error });
          }
          throw error;
        }
        await sleepFor(VERIFY_DELAYS_MS[attempt]!, context);
      }
    }
  },

  /**
   * A failed run: remove the password it added (when it is neither current nor previous), and put back the
   * previous password if this run had already retired it, so the state describes the target again.
   */
  async abandon({ inputs, state, pending }) {
    const credential = usernamePasswordCredentialSchema.safeParse(pending.credential ?? undefined);
    if (!credential.success) return;
    const { username, password } = credential.data;
    if (!rotatedUsers(inputs).includes(username)) return;
    const secrets = secretsOf(inputs, credential.data, state.current, state.previous);
    const inState = [state.current, state.previous].some((c) => c?.username === username && c.password === password);
    const retired = typeof pending.data.retiring === "string" ? pending.data.retiring : null;
    const previous = retiringPassword(state, username);
    await asManaging(inputs, "set-password", secrets, async (session) => {
      const user = parseAclUser(await session.command(["ACL", "GETUSER", username]));
      if (!user) return;
      const rules: string[] = [];
      if (!inState && user.passwords.includes(aclPasswordHash(password))) rules.push(`!${aclPasswordHash(password)}`);
      if (retired && previous && aclPasswordHash(previous) === retired && !user.passwords.includes(retired)) rules.push(`#${retired}`);
      if (rules.length) {
        await session.command(["ACL", "SETUSER", username, ...rules]);
        if (inputs.aclSave) await saveAcl(session);
      }
    });
  },

  /**
   * The lockout guard: connections signed in as the retiring credential's user (CLIENT LIST). Two-user mode:
   * every connection of the spare user holds the password about to be replaced. Single-user mode: both
   * passwords belong to the one user, so only a connection older than today's password (it signed in before
   * the current one existed) is known to hold an older one; younger ones are counted but cannot be told apart.
   */
  async checkInUse({ inputs, credential, retiredAt, context }) {
    const { username } = parseCredential(credential, "The retiring credential");
    const clients = await asManaging(inputs, "inspect", secretsOf(inputs), (session) => clientsSignedInAs(session, username));
    if (clients === "no-permission") {
      return {
        verdict: "unknown",
        summary: `Cannot tell whether ACL user "${username}" is still in use: the managing user may not run CLIENT LIST. Grant it: ACL SETUSER ${inputs.managing.username} +client|list`,
        holders: [],
      };
    }
    const now = (context.now ? context.now() : new Date()).getTime();
    const single = inputs.mode === "single-user";
    if (single && !retiredAt) {
      return { verdict: "unknown", summary: `${clients.length} connection(s) of ACL user "${username}"; when its current password was introduced is not known, so which password they hold cannot be told.`, holders: [] };
    }
    const holding = single ? clients.filter((c) => c.age * 1000 > now - retiredAt!.getTime()) : clients;
    const younger = clients.length - holding.length;
    const rest = younger > 0 ? ` ${younger} newer connection${younger === 1 ? "" : "s"} may use either password.` : "";
    if (holding.length === 0) return { verdict: "unused", summary: `No connection signed in as ACL user "${username}" with the retiring password.${rest}`, holders: [] };
    const sources = [...new Set(holding.map((c) => c.addr.replace(/:\d+$/, "")))];
    const n = `${holding.length} connection${holding.length === 1 ? "" : "s"}`;
    return {
      verdict: "in-use",
      summary: `${n} signed in as ACL user "${username}" ${single ? "before its current password existed " : ""}from ${sources.join(", ")}: the password they used is about to be removed.${rest}`,
      holders: [`${n} as ${username} from ${sources.join(", ")}`],
    };
  },

  commit({ state, pending }) {
    return { state: { current: pending.credential, previous: state.current } };
  },
};

interface NeededCommand {
  command: string;
  why: string;
  /** false: the rotation works without it, something else (the in-use check) does not. */
  required: boolean;
}

/** The commands a rotation runs as the managing user. */
function commandsNeeded(inputs: RedisInputs): NeededCommand[] {
  return [
    { command: "acl|getuser", why: "read the rotated user", required: true },
    { command: "acl|setuser", why: "add and remove its passwords", required: true },
    ...(inputs.aclSave ? [{ command: "acl|save", why: "persist the change to the aclfile", required: true }] : []),
    { command: "client|list", why: "see who is still connected as a rotated user", required: false },
  ];
}

type Verdict = { allowed: boolean | null; how: string };

/**
 * What the managing user may run, without running it: ACL DRYRUN when it may use that (Redis 7), else its own
 * rules read with ACL GETUSER and evaluated as Redis would (acl.ts `aclAllows`).
 */
async function managingPermissions(session: RedisSession, manager: string, needed: NeededCommand[], sampleUser: string): Promise<Map<string, Verdict>> {
  const out = new Map<string, Verdict>();
  try {
    for (const c of needed) {
      const reply = String(await session.command(["ACL", "DRYRUN", manager, ...c.command.toUpperCase().split("|"), ...(c.command.startsWith("acl|") && c.command !== "acl|save" ? [sampleUser] : [])]));
      out.set(c.command, { allowed: reply === "OK", how: reply === "OK" ? "ACL DRYRUN" : `ACL DRYRUN: ${reply}` });
    }
    return out;
  } catch (error) {
    if (!(error instanceof Error && /^NOPERM/.test(error.message))) throw error;
  }
  let own: AclUser | null = null;
  try {
    own = parseAclUser(await session.command(["ACL", "GETUSER", manager]));
  } catch (error) {
    if (!(error instanceof Error && /^NOPERM/.test(error.message))) throw error;
    // Not even its own user may be read: so ACL GETUSER itself is refused, and the rest is unknown.
    for (const c of needed) out.set(c.command, c.command === "acl|getuser" ? { allowed: false, how: "ACL GETUSER was refused" } : { allowed: null, how: "neither ACL DRYRUN nor ACL GETUSER may be used" });
    return out;
  }
  for (const c of needed) out.set(c.command, { allowed: own ? aclAllows(own.commands, c.command, { hasSelectors: own.hasSelectors }) : null, how: `its rules: ${own?.commands || "none"}` });
  return out;
}

/** CLIENT LIST USER (Redis 7.2+), else the whole CLIENT LIST filtered; "no-permission" without +client|list. */
async function clientsSignedInAs(session: RedisSession, username: string): Promise<ReturnType<typeof clientsOfUser> | "no-permission"> {
  const noPermission = (error: unknown) => /^NOPERM/.test(error instanceof Error ? error.message : "");
  try {
    return clientsOfUser(String(await session.command(["CLIENT", "LIST", "USER", username])), username);
  } catch (error) {
    if (noPermission(error)) return "no-permission";
  }
  try {
    return clientsOfUser(String(await session.command(["CLIENT", "LIST"])), username);
  } catch (error) {
    if (noPermission(error)) return "no-permission";
    throw error;
  }
}

async function saveAcl(session: RedisSession): Promise<void> {
  await session.command(["ACL", "SAVE"]);
}

/** HELLO without arguments: the server's name, version and role, without changing the protocol. */
function helloFields(reply: unknown): { server?: string; version?: string; role?: string } {
  let fields: Record<string, unknown> = {};
  if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = reply[i + 1];
  else if (reply instanceof Map) fields = Object.fromEntries(reply);
  else if (reply && typeof reply === "object") fields = reply as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return { server: text(fields.server), version: text(fields.version), role: text(fields.role) };
}

/** The connections signed in as `username` right now (for the lockout guard's in-use check). */
export async function redisConnectionsOf(inputs: RedisInputs, username: string) {
  return asManaging(inputs, "inspect", secretsOf(inputs), async (session) => clientsOfUser(String(await session.command(["CLIENT", "LIST"])), username));
}
