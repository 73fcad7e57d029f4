/**
 * The direct connection: this process opens the database connection itself. Rotor uses it unless a rotator
 * names a connector, and the aws-lambda connector's handler runs it inside the VPC. What differs per database
 * (driver, SQL, error codes) is a `SqlDialect` in its rotator type's folder; everything here is shared.
 *
 * Two lifetimes: `createDirectConnector` opens and closes a session per call (connector.ts's rule), and
 * `createRunConnector` keeps one managing session for a rotation run, so that the lockout guard's in-use check
 * and apply share it (two connections at the target per rotation instead of three, as a script doing the same
 * work by hand would make). Logins as the rotated user (verify) are always fresh connections: proving that the
 * new password lets a new connection in is their point.
 */
import { driverText, mapDriverError, type SqlPhase } from "./driver-errors";
import type { SqlDialect, SqlSession } from "./dialect";
import type { DatabaseConnection, DatabaseConnector, DatabaseDialect, DatabaseLogin, TargetUser } from "./connector";

/** The dialects a direct connector speaks, by id (lib/rotators/direct-connector.ts registers every one). */
export type SqlDialects = Partial<Record<DatabaseDialect, SqlDialect>>;

interface ManagingOp {
  connection: DatabaseConnection;
  managing: DatabaseLogin;
  phase: SqlPhase;
  user?: TargetUser;
  secrets?: string[];
}

/** Runs `work` on a session of the managing user; failures come back as RotatorErrors, redacted. */
type WithManaging = <T>(dialect: SqlDialect, op: ManagingOp, work: (session: SqlSession) => Promise<T>) => Promise<T>;

function mappingOf(dialect: SqlDialect, op: ManagingOp) {
  const base = { dialect, connection: op.connection, secrets: [op.managing.password, ...(op.secrets ?? [])], managing: op.managing.username };
  return {
    login: (error: unknown) => mapDriverError(error, { ...base, phase: "managing-login" }),
    work: (error: unknown) => mapDriverError(error, { ...base, phase: op.phase, ...(op.user ? { user: op.user } : {}) }),
  };
}

/** Logs in as the managing user; a failure is mapped as a managing login, redacting its password. */
async function openManaging(dialect: SqlDialect, op: ManagingOp): Promise<SqlSession> {
  try {
    return await dialect.connect(op.connection, op.managing);
  } catch (error) {
    throw mappingOf(dialect, op).login(error);
  }
}

/**
 * Log in as the managing user, run `work`, always close. Login failures are mapped as a managing login,
 * failures inside `work` as `phase`, both redacting the managing password and `secrets`.
 */
const asManaging: WithManaging = async (dialect, op, work) => {
  const session = await openManaging(dialect, op);
  try {
    return await work(session);
  } catch (error) {
    throw mappingOf(dialect, op).work(error);
  } finally {
    await session.close();
  }
};

/** Whether the server lets the managing user in with a wrong password (pg_hba `trust`). */
async function acceptsWrongPassword(dialect: SqlDialect, connection: DatabaseConnection, managing: DatabaseLogin): Promise<boolean> {
  const wrong: DatabaseLogin = { username: managing.username, password: `${managing.password}\u0001rotor-probe` };
  return dialect.connect(connection, wrong).then(
    async (session) => (await session.close(), true),
    () => false,
  );
}

/** A direct connector for the given dialects; a connection of any other dialect is refused. */
export function createDirectConnector(dialects: SqlDialects): DatabaseConnector {
  return connectorWith(dialects, asManaging);
}

/** A direct connector for one run: see `createRunConnector`. */
export interface RunConnector extends DatabaseConnector {
  /** Closes the kept managing session, if any; never throws. A call after it uses a session of its own. */
  close(): Promise<void>;
}

/**
 * How long the kept managing session may sit unused before it is closed: a run that waits (a lockout hold,
 * verify's retries, a slow store) does not hold a connection at the target meanwhile; its next managing call
 * logs in again.
 */
export const RUN_SESSION_IDLE_MS = 10_000;

/**
 * A direct connector that keeps its managing session between calls, for one rotation run (the engine closes
 * it when the run ends, whatever happens: RotatorContext.runScope). The session is reused only for the same
 * connection and managing login, and only while it is open (`SqlSession.isOpen`: a session the server or the
 * network dropped is opened again, not reused); a call that fails closes it, since its state is then unknown.
 * `verifyLogin` is not affected: it always logs in afresh, as the user.
 */
export function createRunConnector(dialects: SqlDialects, { idleMs = RUN_SESSION_IDLE_MS }: { idleMs?: number } = {}): RunConnector {
  type Kept = { dialect: SqlDialect; connection: string; managing: DatabaseLogin; session: SqlSession; idle?: ReturnType<typeof setTimeout> };
  let kept: Kept | undefined;
  let busy = false;
  let closed = false;
  const drop = async () => {
    const gone = kept;
    kept = undefined;
    if (!gone) return;
    clearTimeout(gone.idle);
    await gone.session.close();
  };
  const fits = (k: Kept, dialect: SqlDialect, op: ManagingOp) =>
    k.dialect === dialect &&
    k.connection === JSON.stringify(op.connection) &&
    k.managing.username === op.managing.username &&
    k.managing.password === op.managing.password &&
    k.session.isOpen();

  const withKept: WithManaging = async (dialect, op, work) => {
    // A call while another one uses the session (nothing in a run does that today), or after the run: its own.
    if (busy || closed) return asManaging(dialect, op, work);
    busy = true;
    try {
      if (kept && !fits(kept, dialect, op)) await drop();
      if (kept) clearTimeout(kept.idle);
      kept ??= { dialect, connection: JSON.stringify(op.connection), managing: { ...op.managing }, session: await openManaging(dialect, op) };
      const { session } = kept;
      let result;
      try {
        result = await work(session);
      } catch (error) {
        await drop();
        throw mappingOf(dialect, op).work(error);
      }
      // The run may have ended meanwhile (close() during the call): then nothing is kept.
      if (closed) await drop();
      else if (kept?.session === session) {
        kept.idle = setTimeout(() => void drop(), idleMs);
        kept.idle.unref?.();
      }
      return result;
    } finally {
      busy = false;
    }
  };

  return {
    ...connectorWith(dialects, withKept),
    async close() {
      closed = true;
      await drop();
    },
  };
}

function connectorWith(dialects: SqlDialects, withManaging: WithManaging): DatabaseConnector {
  const dialectOf = (connection: DatabaseConnection): SqlDialect => {
    const dialect = dialects[connection.dialect];
    if (!dialect) throw new TypeError(`Unknown database dialect ${JSON.stringify(connection.dialect)}`);
    return dialect;
  };

  return {
    async ping({ connection, managing, users = [] }) {
      const dialect = dialectOf(connection);
      const result = await withManaging(dialect, { connection, managing, phase: "inspect" }, async (session) => ({
        ...(await dialect.inspect(session, users)),
        sessionVisibility: await dialect.sessionVisibility(session),
      }));
      const warnings = [...result.warnings];
      // A server that lets anyone in makes every "the new password works" check meaningless; say so before the
      // user relies on Rotor's verification.
      if (dialect.probeTrustAuthentication && (await acceptsWrongPassword(dialect, connection, managing))) {
        warnings.push(
          `${dialect.label} at ${connection.host}:${connection.port} accepted a wrong password for "${managing.username}" ` +
            "(trust authentication?): Rotor cannot prove that a password works there.",
        );
      }
      return { ok: true, ...result, warnings };
    },

    async setPassword({ connection, managing, user, newPassword }) {
      const dialect = dialectOf(connection);
      await withManaging(dialect, { connection, managing, phase: "set-password", user, secrets: [newPassword] }, (session) =>
        dialect.setPassword(session, user, newPassword),
      );
      return { ok: true };
    },

    async listSessions({ connection, managing, user }) {
      const dialect = dialectOf(connection);
      return withManaging(dialect, { connection, managing, phase: "inspect", user }, async (session) => ({
        ...(await dialect.sessionVisibility(session)),
        ...(await dialect.otherSessionsOf(session, user)),
      }));
    },

    async verifyLogin({ connection, user, password }) {
      const dialect = dialectOf(connection);
      const secrets = [password];
      let session: SqlSession;
      try {
        session = await dialect.connect(connection, { username: user.username, password });
      } catch (error) {
        const kind = dialect.classify(error).kind;
        if (kind === "auth" || kind === "login-not-allowed") {
          const why = driverText(error, secrets);
          return { ok: false, reason: `${dialect.label} refused the login of ${dialect.describeUser(user)} (${why}).` };
        }
        throw mapDriverError(error, { dialect, connection, phase: "verify-login", secrets, user });
      }
      try {
        // MySQL may match a login to another account with the same name (e.g. 'app'@'localhost' instead of
        // 'app'@'%'); a login that works for the wrong account proves nothing about the rotated one.
        const mismatch = await dialect.checkAuthenticatedAs(session, user);
        return mismatch ? { ok: false, reason: mismatch } : { ok: true };
      } catch (error) {
        throw mapDriverError(error, { dialect, connection, phase: "verify-login", secrets, user });
      } finally {
        await session.close();
      }
    },
  };
}
