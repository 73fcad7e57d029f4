/**
 * The direct connection: this process opens the database connection itself. Rotor uses it unless a rotator
 * names a connector, and the aws-lambda connector's handler runs it inside the VPC. What differs per database
 * (driver, SQL, error codes) is a `SqlDialect` in its rotator type's folder; everything here is shared.
 */
import { driverText, mapDriverError, type SqlPhase } from "./driver-errors";
import type { SqlDialect, SqlSession } from "./dialect";
import type { DatabaseConnection, DatabaseConnector, DatabaseDialect, DatabaseLogin, TargetUser } from "./connector";

/** The dialects a direct connector speaks, by id (lib/rotators/direct-connector.ts registers every one). */
export type SqlDialects = Partial<Record<DatabaseDialect, SqlDialect>>;

/**
 * Log in as the managing user, run `work`, always close. Login failures are mapped as a managing login,
 * failures inside `work` as `phase`, both redacting the managing password and `secrets`.
 */
async function asManaging<T>(
  dialect: SqlDialect,
  op: { connection: DatabaseConnection; managing: DatabaseLogin; phase: SqlPhase; user?: TargetUser; secrets?: string[] },
  work: (session: SqlSession) => Promise<T>,
): Promise<T> {
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
    return await work(session);
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

/** A direct connector for the given dialects; a connection of any other dialect is refused. */
export function createDirectConnector(dialects: SqlDialects): DatabaseConnector {
  const dialectOf = (connection: DatabaseConnection): SqlDialect => {
    const dialect = dialects[connection.dialect];
    if (!dialect) throw new TypeError(`Unknown database dialect ${JSON.stringify(connection.dialect)}`);
    return dialect;
  };

  return {
    async ping({ connection, managing, users = [] }) {
      const dialect = dialectOf(connection);
      const result = await asManaging(dialect, { connection, managing, phase: "inspect" }, async (session) => ({
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
      await asManaging(dialect, { connection, managing, phase: "set-password", user, secrets: [newPassword] }, (session) =>
        dialect.setPassword(session, user, newPassword),
      );
      return { ok: true };
    },

    async listSessions({ connection, managing, user }) {
      const dialect = dialectOf(connection);
      return asManaging(dialect, { connection, managing, phase: "inspect", user }, async (session) => ({
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
