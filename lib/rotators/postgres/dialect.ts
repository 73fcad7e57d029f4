/**
 * PostgreSQL dialect (node-pg). Passwords are sent as SCRAM-SHA-256 verifiers, never as plaintext.
 */
import pg from "pg";
import type { ConnectionOptions } from "node:tls";
import type { DatabaseConnection, PingUser } from "../sql/connector";
import { DEFAULT_TIMEOUT_MS, tlsOptionsOf, type DriverFailure, type SqlDialect, type SqlSession } from "../sql/dialect";
import { buildScramSha256Verifier } from "./scram";

interface PgSession extends SqlSession {
  client: pg.Client;
}

function tlsOptions(connection: DatabaseConnection): false | ConnectionOptions {
  // With rejectUnauthorized, node-pg checks the certificate's names against `host` (also for IP addresses).
  return tlsOptionsOf(connection.tls) ?? false;
}

interface ManagingRow {
  me: string;
  version: string;
  version_num: number;
  rolsuper: boolean;
  rolcreaterole: boolean;
}

interface UserRow {
  name: string;
  exists: boolean;
  rolcanlogin: boolean | null;
  rolsuper: boolean | null;
  admin: boolean | null;
}

function classify(error: unknown): DriverFailure {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : undefined;
  const message = typeof e?.message === "string" ? e.message : "";
  if (/server does not support SSL/i.test(message)) return { kind: "tls-unsupported" };
  switch (code) {
    case "28P01": // invalid_password (also for a role that does not exist, so logins do not reveal roles)
      return { kind: "auth" };
    case "28000": // invalid_authorization_specification: NOLOGIN, no pg_hba entry
      return { kind: "login-not-allowed" };
    case "42501": // insufficient_privilege
      return { kind: "permission" };
    case "42704": // undefined_object: role does not exist
      return { kind: "user-not-found" };
    case "3D000": // invalid_catalog_name: database does not exist
      return { kind: "database-not-found" };
    case "57014": // query_canceled (statement_timeout)
      return { kind: "timeout" };
    case "53300": // too_many_connections
    case "57P03": // cannot_connect_now (starting up, shutting down)
      return { kind: "unavailable" };
  }
  return code && /^[0-9A-Z]{5}$/.test(code) ? { kind: "other", code } : { kind: "other" };
}

export const postgresDialect: SqlDialect<PgSession> = {
  id: "postgres",
  label: "PostgreSQL",
  probeTrustAuthentication: true,
  userNoun: "role",
  classify,
  describeUser: (user) => `"${user.username}"`,
  privilegeHint:
    "grant it CREATEROLE — on PostgreSQL 16 and later also ADMIN OPTION on the role — or use a superuser; " +
    "only a superuser may change a superuser's password",

  async connect(connection, login) {
    const timeout = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const client = new pg.Client({
      host: connection.host,
      port: connection.port,
      database: connection.database || "postgres",
      user: login.username,
      password: login.password,
      ssl: tlsOptions(connection),
      connectionTimeoutMillis: timeout,
      query_timeout: timeout,
      statement_timeout: timeout,
      application_name: "rotor",
    });
    let open = true;
    // A connection dropped between queries is reported as an 'error' event; without a listener it would crash
    // the process. The failing query (if any) still rejects.
    client.on("error", () => void (open = false));
    client.on("end", () => void (open = false));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return {
      client,
      isOpen: () => open,
      async close() {
        open = false;
        await client.end().catch(() => {});
      },
    };
  },

  async setPassword(session, user, newPassword) {
    // ALTER ROLE cannot take bind parameters: identifier and literal are escaped by node-pg's own functions.
    const verifier = await buildScramSha256Verifier(newPassword);
    await session.client.query(`ALTER ROLE ${pg.escapeIdentifier(user.username)} PASSWORD ${pg.escapeLiteral(verifier)}`);
  },

  async inspect(session, users) {
    const managing = (
      await session.client.query<ManagingRow>(
        `SELECT current_user AS me, current_setting('server_version') AS version,
                current_setting('server_version_num')::int AS version_num, r.rolsuper, r.rolcreaterole
           FROM pg_roles r WHERE r.rolname = current_user`,
      )
    ).rows[0]!;
    const rows = (
      await session.client.query<UserRow>(
        `SELECT u.name, r.oid IS NOT NULL AS exists, r.rolcanlogin, r.rolsuper,
                CASE WHEN r.oid IS NULL THEN NULL ELSE pg_has_role(current_user, r.oid, 'USAGE WITH ADMIN OPTION') END AS admin
           FROM unnest($1::text[]) WITH ORDINALITY AS u(name, i)
           LEFT JOIN pg_roles r ON r.rolname = u.name
          ORDER BY u.i`,
        [users.map((u) => u.username)],
      )
    ).rows;
    // PostgreSQL 16 narrowed CREATEROLE: it only covers roles the managing user has ADMIN OPTION on.
    const needsAdmin = managing.version_num >= 160000;
    const changeable = (row: UserRow): boolean | null => {
      if (!row.exists) return null;
      if (managing.rolsuper) return true;
      if (row.rolsuper) return false;
      return managing.rolcreaterole && (!needsAdmin || row.admin === true);
    };
    const me = pg.escapeIdentifier(managing.me);
    // What an administrator runs so the managing user may change this role's password (its first missing piece).
    const grantHint = (row: UserRow): string | undefined => {
      if (!row.exists || managing.rolsuper) return undefined;
      if (row.rolsuper) return `only a superuser may change the password of the superuser "${row.name}": use a superuser as the managing user, or rotate roles that are not superusers`;
      const hints: string[] = [];
      if (!managing.rolcreaterole) hints.push(`ALTER ROLE ${me} CREATEROLE;`);
      if (needsAdmin && row.admin !== true) hints.push(`GRANT ${pg.escapeIdentifier(row.name)} TO ${me} WITH ADMIN OPTION;`);
      return hints.length ? hints.join(" ") : undefined;
    };
    const pingUsers: PingUser[] = rows.map((row) => {
      const can = changeable(row);
      const hint = can === false ? grantHint(row) : undefined;
      return { username: row.name, exists: row.exists, canLogin: row.rolcanlogin, changeable: can, ...(hint ? { grantHint: hint } : {}) };
    });
    return {
      serverVersion: `PostgreSQL ${managing.version.split(" ")[0]}`,
      authenticatedAs: managing.me,
      privilege: managing.rolsuper ? "superuser" : managing.rolcreaterole ? "CREATEROLE" : null,
      users: pingUsers,
      warnings: [] as string[],
      // Rotor sends SCRAM verifiers, which server-side checks (the passwordcheck module) cannot look into.
      passwordPolicy: null,
    };
  },

  /**
   * pg_stat_activity lists every backend to every user, with its role; where it comes from (client_addr, state,
   * backend_start) only to members of pg_read_all_stats (or of the role itself) and superusers.
   */
  async sessionVisibility(session) {
    const { rows } = await session.client.query<{ all: boolean; me: string }>(
      `SELECT current_user AS me, (r.rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')) AS all
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    const row = rows[0]!;
    return row.all ? { level: "all", grant: null } : { level: "count", grant: `GRANT pg_read_all_stats TO ${pg.escapeIdentifier(row.me)}` };
  },

  async otherSessionsOf(session, user) {
    // backend_type is hidden too without the privilege; a hidden row with a role is a client backend.
    const { rows } = await session.client.query<{ n: number; sources: string[] }>(
      `SELECT count(*)::int AS n,
              coalesce(array_agg(DISTINCT coalesce(host(client_addr), 'local socket')) FILTER (WHERE backend_start IS NOT NULL), '{}') AS sources
         FROM pg_stat_activity
        WHERE usename = $1 AND pid <> pg_backend_pid() AND (backend_type IS NULL OR backend_type = 'client backend')
          -- Rotor's own logins as the user (verify, Check rotation) are not consumers; a closed one lingers briefly.
          AND application_name IS DISTINCT FROM 'rotor'`,
      [user.username],
    );
    return { count: rows[0]?.n ?? 0, sources: rows[0]?.sources ?? [] };
  },

  async checkAuthenticatedAs(session, user) {
    const { rows } = await session.client.query<{ who: string }>("SELECT session_user AS who");
    const who = rows[0]?.who;
    return who === user.username ? null : `The session belongs to "${who}", not "${user.username}".`;
  },
};
