/**
 * How the SQL rotators reach a database. `directConnector` opens the connection from this process; the
 * aws-lambda connector implements the same interface by sending each request to a handler inside the VPC,
 * which answers with `directConnector`. That is why every request and response here is plain JSON (no
 * functions, Buffers or class instances) and why errors come back as `RotatorError` codes, not driver errors.
 *
 * Rules every implementation keeps:
 * - Each call opens its own connection(s) and always closes them, also on failure.
 * - Nothing here logs or returns a password; thrown `RotatorError`s carry redacted, actionable messages.
 * - `setPassword` never sends the plaintext to PostgreSQL (it sends a SCRAM verifier) and escapes every
 *   identifier and value with the driver's own escaping.
 */
import { dialects } from "./dialects";
import { driverText, mapDriverError, type SqlPhase } from "./driver-errors";
import type { SqlDialect, SqlSession } from "./dialect";

export type DatabaseDialect = "postgres" | "mysql";

export type TlsMode = "disable" | "require" | "verify-full";

export interface TlsSettings {
  /** disable: plaintext. require: encrypted, certificate not checked. verify-full: certificate chain
   *  (against `ca`, else the system roots) and host name checked. */
  mode: TlsMode;
  /** PEM CA bundle used with verify-full. */
  ca?: string;
}

/** Where the database is. */
export interface DatabaseConnection {
  dialect: DatabaseDialect;
  host: string;
  port: number;
  /** PostgreSQL: the database to connect to. MySQL: optional default schema. */
  database?: string;
  tls: TlsSettings;
  /** Connect timeout, also used as the statement timeout. Default 10 000 ms. */
  timeoutMs?: number;
}

export interface DatabaseLogin {
  username: string;
  password: string;
}

/** A rotated user. `host` is the MySQL account host (`'user'@'host'`, default '%'); PostgreSQL ignores it. */
export interface TargetUser {
  username: string;
  host?: string;
}

export interface PingRequest {
  connection: DatabaseConnection;
  managing: DatabaseLogin;
  /** Users to look up (existence, whether the managing user may change their passwords). */
  users?: TargetUser[];
}

export interface PingUser extends TargetUser {
  /** null: the managing user may not read the account list. */
  exists: boolean | null;
  /** PostgreSQL: rolcanlogin. null when unknown. */
  canLogin: boolean | null;
  /** Whether the managing user may change this user's password; null when it cannot be told. */
  changeable: boolean | null;
}

export interface PingResponse {
  ok: true;
  /** e.g. "PostgreSQL 15.8", "MariaDB 10.11.6". */
  serverVersion: string;
  /** The account the managing login was matched to (MySQL `user@host`, PostgreSQL role name). */
  authenticatedAs: string;
  /** Why the managing user may change passwords, e.g. "superuser", "CREATEROLE", "CREATE USER". */
  privilege: string | null;
  users: PingUser[];
  /** Problems that do not stop a rotation but make it less safe (e.g. trust authentication). */
  warnings: string[];
}

export interface SetPasswordRequest {
  connection: DatabaseConnection;
  managing: DatabaseLogin;
  user: TargetUser;
  newPassword: string;
}

export interface SetPasswordResponse {
  ok: true;
}

export interface VerifyLoginRequest {
  connection: DatabaseConnection;
  user: TargetUser;
  password: string;
}

/**
 * `ok: false` means the server answered and refused this login (wrong password, unknown user, account
 * mismatch): a normal outcome the caller decides about. Anything else (unreachable, TLS) throws.
 *
 * `skipped` (with `ok: true`) means the connector cannot log in as the user at all (a Pulumi ESC-compatible
 * connector only changes passwords): nothing was proven, and the reason says so. Callers must not treat it as
 * proof that a password works; the two-user rotator surfaces it in the run's verify step.
 */
export type VerifyLoginResponse = { ok: true; skipped?: string } | { ok: false; reason: string };

export interface DatabaseConnector {
  /** Log in as the managing user and inspect the users. Changes nothing. */
  ping(req: PingRequest): Promise<PingResponse>;
  /** Set `user`'s password as the managing user. Setting the password it already has is not an error. */
  setPassword(req: SetPasswordRequest): Promise<SetPasswordResponse>;
  /** Log in as `user` with `password` and run a trivial query. Changes nothing. */
  verifyLogin(req: VerifyLoginRequest): Promise<VerifyLoginResponse>;
}

export { DEFAULT_TIMEOUT_MS } from "./dialect";

function dialectOf(connection: DatabaseConnection): SqlDialect {
  const dialect = dialects[connection.dialect];
  if (!dialect) throw new TypeError(`Unknown database dialect ${JSON.stringify(connection.dialect)}`);
  return dialect;
}

/**
 * Log in as the managing user, run `work`, always close. Login failures are mapped as a managing login,
 * failures inside `work` as `phase`, both redacting the managing password and `secrets`.
 */
async function asManaging<T>(
  op: { connection: DatabaseConnection; managing: DatabaseLogin; phase: SqlPhase; user?: TargetUser; secrets?: string[] },
  work: (session: SqlSession, dialect: SqlDialect) => Promise<T>,
): Promise<T> {
  const dialect = dialectOf(op.connection);
  const base = {
    dialect,
    connection: op.connection,
    secrets: [op.managing.password, ...(op.secrets ?? [])],
    managing: op.managing.username,
  };
  let session: SqlSession;
  try {
    session = await dialect.connect(op.connection, op.managing);
  } catch (error) {
    throw mapDriverError(error, { ...base, phase: "managing-login" });
  }
  try {
    return await work(session, dialect);
  } catch (error) {
    throw mapDriverError(error, { ...base, phase: op.phase, ...(op.user ? { user: op.user } : {}) });
  } finally {
    await session.close();
  }
}

/** Whether the server lets the managing user in with a wrong password (pg_hba `trust`). */
async function acceptsWrongPassword(dialect: SqlDialect, connection: DatabaseConnection, managing: DatabaseLogin): Promise<boolean> {
  const wrong: DatabaseLogin = { username: managing.username, password: `${managing.password}\u0001rotor-probe` };
  return dialect.connect(connection, wrong).then(
    async (session) => (await session.close(), true),
    () => false,
  );
}

export const directConnector: DatabaseConnector = {
  async ping({ connection, managing, users = [] }) {
    const result = await asManaging({ connection, managing, phase: "inspect" }, (session, dialect) => dialect.inspect(session, users));
    const dialect = dialectOf(connection);
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
    await asManaging({ connection, managing, phase: "set-password", user, secrets: [newPassword] }, (session, dialect) =>
      dialect.setPassword(session, user, newPassword),
    );
    return { ok: true };
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
