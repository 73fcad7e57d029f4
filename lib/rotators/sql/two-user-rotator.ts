/**
 * The two-user strategy shared by `postgres` and `mysql` (README, "How a rotation works"): two
 * pre-created users take turns. A rotation gives the user that is NOT current a fresh password, proves a
 * login with it, and makes it current; the old current keeps its password and becomes previous. So the
 * credential consumers hold is never touched, and an interrupted rotation only ever changed the spare user.
 */
import { isRotatorError, RotatorError } from "../errors";
import { blockedLine, failedLine, lineFromError, okLine, passwordRulesLine, skippedLine, warningLine } from "../preflight";
import { generatePassword } from "../password/generate";
import { sleepFor, type ApplyResponse, type CheckLine, type Credential, type Pending, type RotatorContext, type RotatorDefinition, type RotatorMeta, type RotatorState } from "../types";
import type { DatabaseConnection, DatabaseConnector, PingResponse, SessionVisibility, TargetUser } from "./connector";
import type { SqlDialect } from "./dialect";
import { createDirectConnector, createRunConnector } from "./direct";
import { usernamePasswordCredentialSchema, type SqlRotatorInputs } from "./inputs";

/** Which of the two users a rotation changes; recorded in `pending.data` for the audit trail. */
export type Slot = 1 | 2;

/** Verify retries: a password change is immediate on a single server, but proxies and poolers may lag. */
const VERIFY_DELAYS_MS = [500, 1500];

export function connectionOf(inputs: SqlRotatorInputs, dialect: SqlDialect): DatabaseConnection {
  return {
    dialect: dialect.id,
    host: inputs.host,
    port: inputs.port,
    ...(inputs.database ? { database: inputs.database } : {}),
    tls: { mode: inputs.tls.mode, ...(inputs.tls.ca ? { ca: inputs.tls.ca } : {}) },
    ...(inputs.timeoutMs ? { timeoutMs: inputs.timeoutMs } : {}),
  };
}

/** A rotated user; inputs with an account host (MySQL's 'user'@'host') name it with that host. */
function targetUser(inputs: SqlRotatorInputs, username: string): TargetUser {
  return inputs.userHost === undefined ? { username } : { username, host: inputs.userHost };
}

/** The user that is not current. Without a current, avoid `previous` too, then default to username1. */
export function pickSlot(inputs: Pick<SqlRotatorInputs, "username1" | "username2">, state: RotatorState): Slot {
  const busy = state.current?.username ?? state.previous?.username;
  return busy === inputs.username1 ? 2 : 1;
}

function parseCredential(credential: Credential | null | undefined, what: string): { username: string; password: string } {
  const parsed = usernamePasswordCredentialSchema.safeParse(credential ?? undefined);
  if (!parsed.success) {
    throw new RotatorError("input:invalid", `${what} must be exactly { username, password } with both non-empty.`);
  }
  return parsed.data;
}

/** Test connection's line about the lockout guard: can the managing user see who is still connected? */
function describeSessionVisibility(visibility: SessionVisibility, managing: string): string {
  switch (visibility.level) {
    case "all":
      return `The managing user "${managing}" can see other users' sessions, so Rotor can tell whether a retiring user is still connected.`;
    case "count":
      // Enough for the guard (it counts sessions), so not a warning: only where they come from is hidden.
      return `The managing user "${managing}" can count other users' sessions but not see where they come from; to name them in lockout findings: ${visibility.grant}`;
    case "none":
      return `Warning: the managing user "${managing}" cannot see other users' sessions, so Rotor cannot tell whether a retiring user is still connected. Grant it: ${visibility.grant}`;
  }
}

/** The rotator of one SQL type: its meta (./meta.ts of the type) and its dialect (./dialect.ts of the type). */
export function createTwoUserRotator<I extends SqlRotatorInputs>(meta: RotatorMeta<I>, dialect: SqlDialect): RotatorDefinition<I> {
  const product = dialect.label;
  const describe = (inputs: I, username: string) => dialect.describeUser(targetUser(inputs, username));
  const dialects = { [dialect.id]: dialect };
  const direct = createDirectConnector(dialects);
  // In a run, one managing session serves the lockout guard's in-use check and apply (and a scheduled run's
  // preflight): see createRunConnector. A connector the rotator names (aws-lambda) is used as it is.
  const runKey = Symbol(`${dialect.id} run connector`);
  const connectorOf = (context: RotatorContext): DatabaseConnector =>
    context.databaseConnector ??
    context.runScope?.keep(runKey, () => createRunConnector(dialects), (connector) => connector.close()) ??
    direct;

  function checkUsername(inputs: I, username: string, what: string): void {
    if (username !== inputs.username1 && username !== inputs.username2) {
      throw new RotatorError(
        "input:invalid",
        `${what} is for "${username}", which is neither username1 ("${inputs.username1}") nor username2 ("${inputs.username2}").`,
      );
    }
  }

  /** Log in as the credential's user; a refused login becomes `auth:verify-failed`. */
  async function login(inputs: I, credential: { username: string; password: string }, context: RotatorContext) {
    return connectorOf(context).verifyLogin({
      connection: connectionOf(inputs, dialect),
      user: targetUser(inputs, credential.username),
      password: credential.password,
    });
  }

  /**
   * The password change was sent but its answer was lost: it may have run. Resolve it as a resumed run would,
   * by logging in with the pending password. If that works the change happened and the rotation continues; if
   * not, the previous password is checked, and dropped from the state unless it still works (the state only
   * offers credentials that work). Either way the run says what happened.
   */
  async function settleLostAnswer(args: {
    inputs: I;
    state: RotatorState;
    pending: Pending;
    credential: { username: string; password: string };
    retiresPrevious: boolean;
    error: RotatorError;
    context: RotatorContext;
  }): Promise<ApplyResponse> {
    const { inputs, state, credential, error, context } = args;
    const works = async (login_: { username: string; password: string }) => {
      const result = await login(inputs, login_, context).catch(() => null);
      return result?.ok === true && !result.skipped;
    };
    if (await works(credential)) {
      return {
        pending: { ...args.pending, credential: { ...credential } },
        notes: [`${error.message} It did: the new password works, so the rotation continued.`],
        retiredPrevious: args.retiresPrevious,
      };
    }
    let outcome = "Rotor could not log in with the new password either, so it is not used.";
    if (args.retiresPrevious && state.previous) {
      const previous = parseCredential(state.previous, "The previous credential");
      if (await works(previous)) {
        outcome += ` The previous password of ${describe(inputs, previous.username)} still works and stays previous.`;
      } else {
        await context.previousRetired?.();
        outcome += ` The previous password of ${describe(inputs, previous.username)} could not be confirmed either, so it is no longer offered as previous.`;
      }
    }
    throw new RotatorError(error.code, `${error.message} ${outcome} The next attempt sets a fresh password.`, {
      cause: error.cause,
      retryable: true,
      outcomeUnknown: true,
    });
  }

  return {
    ...meta,

    async testConnection({ inputs, context }) {
      const connection = connectionOf(inputs, dialect);
      const users = [inputs.username1, inputs.username2].map((u) => targetUser(inputs, u));
      const ping = await connectorOf(context).ping({ connection, managing: inputs.managing, users });
      const where = `${inputs.host}:${inputs.port}`;
      const details = [`Logged in to ${ping.serverVersion} at ${where} as ${ping.authenticatedAs}.`];
      for (const user of ping.users) {
        const who = describe(inputs, user.username);
        const name = `${dialect.userNoun} ${who}`;
        if (user.exists === false) {
          throw new RotatorError(
            "target:user-not-found",
            `${product} ${name} does not exist at ${where}. ` +
              "Create both users before the first rotation, or fix the username.",
          );
        }
        if (user.canLogin === false) {
          throw new RotatorError("target:rejected", `${product} ${name} may not log in (NOLOGIN). Grant it LOGIN.`);
        }
        if (user.changeable === false) {
          throw new RotatorError(
            "auth:permission-denied",
            `Managing user "${inputs.managing.username}" lacks the privilege to change the password of ${who} ` +
              `(${dialect.privilegeHint}).`,
          );
        }
        // The managing user may not read the account list (MySQL without SELECT on mysql.user): a missing user
        // cannot be told from an existing one, so this is not a working connection: a green check for a user that
        // does not exist would let a rotation lock the application out. A
        // connector that cannot inspect at all (ESC) says so instead (notInspected) and stays informational.
        if (user.exists === null && !ping.notInspected) {
          throw new RotatorError(
            "auth:permission-denied",
            `Could not confirm that ${product} ${name} exists at ${where}: the managing user "${inputs.managing.username}" may not read the account list. ` +
              `${dialect.readUsersHint ? `${dialect.readUsersHint[0]!.toUpperCase()}${dialect.readUsersHint.slice(1)}` : "Let it read the list of users"}; until then rotations are refused, since a missing user could not be told from an existing one.`,
          );
        }
        details.push(
          user.exists === null
            ? `Could not check that ${name} exists (the managing user may not read the account list).`
            : user.changeable === null
              ? `The ${name} exists; could not confirm that the managing user may change its password.`
              : `The ${name} exists and the managing user may change its password${ping.privilege ? ` (${ping.privilege})` : ""}.`,
        );
      }
      if (ping.sessionVisibility) details.push(describeSessionVisibility(ping.sessionVisibility, inputs.managing.username));
      for (const warning of ping.warnings) details.push(`Warning: ${warning}`);
      return { ok: true, details };
    },

    async preflight({ inputs, context }) {
      const connection = connectionOf(inputs, dialect);
      const where = `${inputs.host}:${inputs.port}`;
      const reach = `Reach ${product} at ${where} (TLS ${inputs.tls.mode})`;
      const loginCheck = `Log in as the managing user "${inputs.managing.username}"`;
      const users = [inputs.username1, inputs.username2];
      const checks: CheckLine[] = [];
      let ping: PingResponse;
      try {
        ping = await connectorOf(context).ping({ connection, managing: inputs.managing, users: users.map((u) => targetUser(inputs, u)) });
      } catch (error) {
        // Reached and spoke TLS, but the login (or what it may do) was refused: the connection itself is fine.
        const refusedLogin = isRotatorError(error) && error.code.startsWith("auth:");
        if (refusedLogin) checks.push(okLine("reach", reach, `${product} answered at ${where}.`), lineFromError("managing-login", loginCheck, error));
        else checks.push(lineFromError("reach", reach, error), blockedLine("managing-login", loginCheck, "reaching the server"));
        for (const username of users) {
          checks.push(blockedLine(`user:${username}`, `The ${dialect.userNoun} ${describe(inputs, username)} exists`, "the managing login"));
          checks.push(blockedLine(`privilege:${username}`, `The managing user may change the password of ${describe(inputs, username)}`, "the managing login"));
        }
        checks.push(passwordRulesLine(inputs.passwordRules, product));
        return { checks };
      }

      if (ping.notInspected) {
        checks.push(okLine("reach", reach, `Reached the connector: ${ping.serverVersion}.`), skippedLine("managing-login", loginCheck, `Not checked: ${ping.notInspected}.`));
      } else {
        checks.push(
          okLine("reach", reach, `Connected to ${ping.serverVersion} at ${where}${inputs.tls.mode === "verify-full" ? " (certificate verified)" : inputs.tls.mode === "require" ? " (encrypted; certificate not checked)" : ""}.`),
          okLine("managing-login", loginCheck, `Logged in as ${ping.authenticatedAs}${ping.privilege ? ` (${ping.privilege})` : ""}.`),
        );
      }
      if (inputs.tls.mode === "disable") {
        checks.push(warningLine("tls", "TLS to the database", `TLS is off: the managing password and every new password travel in plaintext to ${where}.`, 'Set TLS mode to "require" or "verify-full" unless the network is trusted.'));
      }
      for (const user of ping.users) {
        const who = describe(inputs, user.username);
        const name = `${dialect.userNoun} ${who}`;
        const existsCheck = `The ${name} exists`;
        const privilegeCheck = `The managing user may change the password of ${who}`;
        if (ping.notInspected) {
          checks.push(skippedLine(`user:${user.username}`, existsCheck, `Not checked: ${ping.notInspected}.`), skippedLine(`privilege:${user.username}`, privilegeCheck, `Not checked: ${ping.notInspected}.`));
          continue;
        }
        if (user.exists === false) {
          checks.push(
            failedLine(`user:${user.username}`, existsCheck, `${product} has no ${name} at ${where}.`, "Create both users before the first rotation, or fix the username.", { code: "target:user-not-found", retryable: false }),
            blockedLine(`privilege:${user.username}`, privilegeCheck, "finding the user"),
          );
          continue;
        }
        if (user.exists === null) {
          checks.push(
            failedLine(`user:${user.username}`, existsCheck, `Could not confirm that the ${name} exists: the managing user may not read the list of users.`, `Let the managing user read it (${dialect.readUsersHint ?? "grant it read access to the users"}), then check again.`, {
              code: "auth:permission-denied",
              retryable: false,
            }),
          );
        } else if (user.canLogin === false) {
          checks.push(failedLine(`user:${user.username}`, existsCheck, `The ${name} exists but may not log in (NOLOGIN).`, `ALTER ROLE ${who} LOGIN;`, { code: "target:rejected", retryable: false }));
        } else {
          checks.push(okLine(`user:${user.username}`, existsCheck, `The ${name} exists${user.canLogin ? " and may log in" : ""}.`));
        }
        if (user.changeable === true) {
          checks.push(okLine(`privilege:${user.username}`, privilegeCheck, `Allowed${ping.privilege ? ` (${ping.privilege})` : ""}.`));
        } else if (user.changeable === false) {
          checks.push(
            failedLine(`privilege:${user.username}`, privilegeCheck, `Managing user "${inputs.managing.username}" lacks the privilege to change the password of ${who}.`, user.grantHint ?? `${dialect.privilegeHint}.`, {
              code: "auth:permission-denied",
              retryable: false,
            }),
          );
        } else {
          checks.push(
            warningLine(`privilege:${user.username}`, privilegeCheck, "Could not confirm it (the privilege may come through a role Rotor cannot see into); the first rotation will tell.", `${dialect.privilegeHint}.`),
          );
        }
      }
      ping.warnings.forEach((warning, i) => checks.push(warningLine(`warning-${i + 1}`, "Warning", warning)));
      checks.push(passwordRulesLine(inputs.passwordRules, product, ping.passwordPolicy));
      return { checks };
    },

    async verifyCredential({ inputs, credential, context }) {
      const parsed = parseCredential(credential, "The credential");
      checkUsername(inputs, parsed.username, "The credential");
      const result = await login(inputs, parsed, context);
      if (!result.ok) throw new RotatorError("auth:verify-failed", `The credential does not work: ${result.reason}`);
      return result.skipped ? { ok: true, skipped: result.skipped } : { ok: true };
    },

    async prepare({ inputs, state }) {
      const slot = pickSlot(inputs, state);
      const username = slot === 1 ? inputs.username1 : inputs.username2;
      // Fresh on every call: a password the server refused (or a half-finished run saw) is never reused.
      const password = generatePassword(inputs.passwordRules);
      return { pending: { credential: { username, password }, data: { slot, username } } };
    },

    async apply({ inputs, state, pending, context, resumed }) {
      const credential = parseCredential(pending.credential, "The pending credential");
      checkUsername(inputs, credential.username, "The pending rotation");
      // The one rule that keeps consumers working: never change the password of the current user.
      if (state.current?.username === credential.username) {
        throw new RotatorError(
          "internal:unexpected",
          `Refusing to change the password of "${credential.username}": it is the current user. Prepare the rotation again.`,
        );
      }
      const user = targetUser(inputs, credential.username);
      // The spare user is today's previous: once its password is replaced, the previous credential is dead.
      const retiresPrevious = state.previous?.username === credential.username;
      // Idempotent resume: an interrupted attempt may have set this password and then crashed before recording
      // it. Only then: on a fresh run the login would always be refused, one failed login per rotation in the
      // target's log (noise for failed-login alerting, a lockout risk under FAILED_LOGIN_ATTEMPTS policies).
      const already = resumed ? await login(inputs, credential, context) : undefined;
      // A skipped check (connector that cannot log in) proves nothing: set the password (idempotent).
      if (already?.ok && !already.skipped) {
        context.log?.("password already set; skipping ALTER", { username: credential.username, dialect: dialect.id });
      } else {
        try {
          await connectorOf(context).setPassword({
            connection: connectionOf(inputs, dialect),
            managing: inputs.managing,
            user,
            newPassword: credential.password,
          });
        } catch (error) {
          if (!(error instanceof RotatorError) || !error.outcomeUnknown) throw error;
          return settleLostAnswer({ inputs, state, pending, credential, retiresPrevious, error, context });
        }
        context.log?.("password changed", { username: credential.username, dialect: dialect.id });
      }
      // Reported in the answer, not by context.previousRetired: nothing at the target happens between here and
      // the engine's next write (verify's start), which records it with the pending credential.
      return { pending: { ...pending, credential: { ...credential } }, retiredPrevious: retiresPrevious };
    },

    async verify({ inputs, credential, context }) {
      const parsed = parseCredential(credential, "The new credential");
      let reason = "";
      for (let attempt = 0; attempt <= VERIFY_DELAYS_MS.length; attempt++) {
        if (attempt > 0) {
          if (context.signal?.aborted) break;
          await sleepFor(VERIFY_DELAYS_MS[attempt - 1]!, context);
        }
        const result = await login(inputs, parsed, context);
        if (result.ok) return result.skipped ? { ok: true, skipped: result.skipped } : { ok: true };
        reason = result.reason;
      }
      throw new RotatorError("auth:verify-failed", `The new password of ${describe(inputs, parsed.username)} does not work: ${reason}`);
    },

    async checkInUse({ inputs, credential, context }) {
      const { username } = parseCredential(credential, "The retiring credential");
      const who = `${dialect.userNoun} ${describe(inputs, username)}`;
      const connector = connectorOf(context);
      if (!connector.listSessions) {
        return { verdict: "unknown", summary: `Cannot tell whether ${who} is still in use: this connector cannot list sessions.`, holders: [] };
      }
      const found = await connector.listSessions({ connection: connectionOf(inputs, dialect), managing: inputs.managing, user: targetUser(inputs, username) });
      if (found.level === "none") {
        return {
          verdict: "unknown",
          summary: `Cannot tell whether ${who} is still in use: the managing user "${inputs.managing.username}" cannot see other users' sessions (${found.grant}).`,
          holders: [],
        };
      }
      if (found.count === 0) return { verdict: "unused", summary: `No session of ${who} is open.`, holders: [] };
      const sessions = `${found.count} session${found.count === 1 ? "" : "s"}`;
      const from = found.sources.length ? ` from ${found.sources.join(", ")}` : found.grant ? ` (from where is hidden: ${found.grant})` : "";
      return {
        verdict: "in-use",
        summary: `${sessions} of ${who} ${found.count === 1 ? "is" : "are"} open${from}: its password is about to be replaced.`,
        holders: [`${sessions} as ${username}${found.sources.length ? ` from ${found.sources.join(", ")}` : ""}`],
      };
    },

    commit({ state, pending }) {
      return { state: { current: pending.credential, previous: state.current } };
    },
  };
}
