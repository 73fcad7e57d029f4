/**
 * MySQL / MariaDB dialect (mysql2). Passwords are set with `ALTER USER` (MySQL 5.7+, 8.x, MariaDB 10.2+), with a
 * pre-computed hash wherever the account's authentication plugin allows it, so the new password never reaches
 * the server's general or slow log (see passwordForm). Test connection says when only the plaintext form works.
 */
import { RotatorError } from "../errors";
import type { EventEmitter } from "node:events";
import mysql from "mysql2/promise";
import type { DatabaseConnection, PasswordPolicy, PingUser, TargetUser } from "../sql/connector";
import { cachingSha2PasswordHash, mysqlNativePasswordHash } from "./password-hashes";
import { DEFAULT_TIMEOUT_MS, tlsOptionsOf, type DriverFailure, type SqlDialect, type SqlSession } from "../sql/dialect";

interface MysqlSession extends SqlSession {
  conn: mysql.Connection;
  timeout: number;
  /** Read once per session, before its first escaped value (factsOf). */
  facts?: Promise<SessionFacts>;
}

type Product = "MariaDB" | "MySQL";

/** What a session is: they do not change while it lives, so a session kept for a run reads them once. */
interface SessionFacts {
  version: string;
  product: Product;
  /** CURRENT_USER(): the account the login was matched to, `user@host`. */
  me: string;
}

export const DEFAULT_MYSQL_USER_HOST = "%";

const hostOf = (user: TargetUser) => user.host ?? DEFAULT_MYSQL_USER_HOST;

/** How MySQL writes an account in grants and messages: 'app'@'%' (the host part defaults as in ALTER USER). */
const accountName = (user: TargetUser) => `'${user.username}'@'${hostOf(user)}'`;

function tlsOptions(connection: DatabaseConnection): mysql.SslOptions | undefined {
  const tls = tlsOptionsOf(connection.tls);
  if (!tls) return undefined;
  // mysql2 checks the certificate's names only with verifyIdentity, and only when `host` is a DNS name; use
  // one with verify-full.
  return tls.rejectUnauthorized ? { ...tls, verifyIdentity: true } : tls;
}

async function rawQuery<T>(session: MysqlSession, sql: string, values: unknown[] = []): Promise<T[]> {
  const [rows] = await session.conn.query({ sql, values, timeout: session.timeout });
  return rows as T[];
}

/** Every statement that carries a value goes through here: the session's facts (and its sql_mode) come first. */
async function query<T>(session: MysqlSession, sql: string, values: unknown[] = []): Promise<T[]> {
  if (values.length) await factsOf(session);
  return rawQuery<T>(session, sql, values);
}

const FACTS = "VERSION() AS version, CURRENT_USER() AS me, @@SESSION.sql_mode AS mode";

/**
 * mysql2 escapes values with backslashes; under NO_BACKSLASH_ESCAPES the server would read `\'` as the end of
 * the string (a broken statement at best, an injection at worst). So the mode is turned off for the session,
 * with the facts' read, before the first escaped value is sent, whatever statement that is (the lockout guard's
 * session lookups as well as ALTER USER).
 */
function adoptFacts(session: MysqlSession, row: { version: string; me: string; mode: string }): Promise<SessionFacts> {
  session.facts ??= (async () => {
    const modes = row.mode.split(",").filter(Boolean);
    if (modes.includes("NO_BACKSLASH_ESCAPES")) {
      // Mode names hold no quote or backslash: this one value reads the same under either mode.
      await rawQuery(session, "SET SESSION sql_mode = ?", [modes.filter((m) => m !== "NO_BACKSLASH_ESCAPES").join(",")]);
    }
    return { version: row.version, product: /mariadb/i.test(row.version) ? "MariaDB" : "MySQL", me: row.me };
  })();
  return session.facts;
}

async function factsOf(session: MysqlSession): Promise<SessionFacts> {
  if (session.facts) return session.facts;
  const [row] = await rawQuery<{ version: string; me: string; mode: string }>(session, `SELECT ${FACTS}`);
  return adoptFacts(session, row!);
}

/** The account's authentication plugin; undefined when the managing user may not read mysql.user, null when
 *  there is no such account. */
async function pluginOf(session: MysqlSession, user: TargetUser): Promise<string | null | undefined> {
  try {
    const rows = await query<{ plugin: string | null }>(session, "SELECT plugin FROM mysql.user WHERE User = ? AND Host = ?", [user.username, hostOf(user)]);
    return rows.length ? (rows[0].plugin ?? "") : null;
  } catch (error) {
    if (classify(error).kind === "permission") return undefined;
    throw error;
  }
}

type PasswordForm = { kind: "hash"; clause: string; hash: (password: string) => string } | { kind: "plaintext"; reason: string };

/**
 * How this account's password can be set without the plaintext:
 *   MariaDB, mysql_native_password   IDENTIFIED BY PASSWORD '*…'
 *   MySQL 8, caching_sha2_password   IDENTIFIED WITH caching_sha2_password AS '$A$005$…'   (untested here: no MySQL 8)
 *   MySQL, mysql_native_password     IDENTIFIED WITH mysql_native_password AS '*…'
 * Anything else (ed25519, unix_socket, an unreadable mysql.user) leaves only `IDENTIFIED BY '<plaintext>'`.
 */
function passwordForm(product: Product, plugin: string | null | undefined): PasswordForm {
  if (plugin === undefined) return { kind: "plaintext", reason: "the managing user cannot read mysql.user to learn the account's authentication plugin (grant it SELECT ON mysql.user)" };
  if (plugin === null) return { kind: "plaintext", reason: "the account was not found in mysql.user" };
  // MariaDB before 10.4 leaves `plugin` empty for native-password accounts.
  if (product === "MariaDB" && (plugin === "mysql_native_password" || plugin === "")) {
    return { kind: "hash", clause: "IDENTIFIED BY PASSWORD ?", hash: mysqlNativePasswordHash };
  }
  if (product === "MySQL" && plugin === "caching_sha2_password") {
    return { kind: "hash", clause: "IDENTIFIED WITH caching_sha2_password AS ?", hash: (password) => cachingSha2PasswordHash(password) };
  }
  if (product === "MySQL" && plugin === "mysql_native_password") {
    return { kind: "hash", clause: "IDENTIFIED WITH mysql_native_password AS ?", hash: mysqlNativePasswordHash };
  }
  return { kind: "plaintext", reason: `the account authenticates with the ${plugin} plugin, which Rotor cannot pre-hash for` };
}

/** ER_NOT_VALID_PASSWORD: a password-validation plugin must see the plaintext (strict_password_validation). */
const ER_NOT_VALID_PASSWORD = 1819;

/** What lets the managing user see the accounts it rotates. */
const ACCOUNT_LIST_GRANT = "SELECT ON mysql.user";

function accountNotConfirmed(user: TargetUser): RotatorError {
  return new RotatorError(
    "auth:permission-denied",
    `Could not confirm that the account ${accountName(user)} exists: the managing user may not read mysql.user. ` +
      `Grant it ${ACCOUNT_LIST_GRANT}; until then Rotor does not rotate, since it could not tell a missing account from an existing one.`,
  );
}

/** CURRENT_USER() is `user@host`; the user part may itself contain '@'. */
function splitAccount(account: string): { username: string; host: string } {
  const at = account.lastIndexOf("@");
  return { username: account.slice(0, at), host: account.slice(at + 1) };
}

/**
 * The server's password-validation rules, read from its variables (SHOW VARIABLES needs no privilege): MariaDB's
 * simple_password_check plugin, MySQL's validate_password component (8.0, `validate_password.*`) or plugin (5.7,
 * `validate_password_*`). A loaded plugin also sees pre-hashed passwords refused (strict_password_validation), so
 * Rotor's generated passwords must meet it. null: no such plugin is loaded.
 */
async function passwordPolicyOf(session: MysqlSession, product: Product): Promise<PasswordPolicy | null> {
  const rows = await query<{ Variable_name: string; Value: string }>(
    session,
    "SHOW GLOBAL VARIABLES WHERE Variable_name LIKE 'simple\\_password\\_check%' OR Variable_name LIKE 'validate\\_password%'",
  );
  const vars = new Map(rows.map((r) => [r.Variable_name.replace(/^validate_password\./, "validate_password_"), r.Value]));
  const num = (name: string) => Number(vars.get(name) ?? 0) || 0;
  if (vars.has("simple_password_check_minimal_length")) {
    const letters = num("simple_password_check_letters_same_case");
    return {
      source: `${product} simple_password_check`,
      minLength: num("simple_password_check_minimal_length"),
      minDigits: num("simple_password_check_digits"),
      minUppercase: letters,
      minLowercase: letters,
      minSymbols: num("simple_password_check_other_characters"),
    };
  }
  if (vars.has("validate_password_length")) {
    // LOW (0) checks the length only; MEDIUM and STRONG add the character counts.
    const policy = (vars.get("validate_password_policy") ?? "MEDIUM").toUpperCase();
    const counts = !(policy === "LOW" || policy === "0");
    const mixed = counts ? num("validate_password_mixed_case_count") : 0;
    return {
      source: `${product} validate_password`,
      minLength: num("validate_password_length"),
      minDigits: counts ? num("validate_password_number_count") : 0,
      minUppercase: mixed,
      minLowercase: mixed,
      minSymbols: counts ? num("validate_password_special_char_count") : 0,
    };
  }
  return null;
}

const MYSQL_ERRNO: Record<number, DriverFailure["kind"]> = {
  1045: "auth", // ER_ACCESS_DENIED_ERROR: wrong password or unknown user
  1698: "auth", // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  1044: "permission", // ER_DBACCESS_DENIED_ERROR
  1142: "permission", // ER_TABLEACCESS_DENIED_ERROR
  1143: "permission", // ER_COLUMNACCESS_DENIED_ERROR
  1227: "permission", // ER_SPECIFIC_ACCESS_DENIED_ERROR: needs CREATE USER
  1396: "user-not-found", // ER_CANNOT_USER: ALTER USER on an account that does not exist
  1049: "database-not-found", // ER_BAD_DB_ERROR
  1129: "login-not-allowed", // ER_HOST_IS_BLOCKED
  1130: "login-not-allowed", // ER_HOST_NOT_PRIVILEGED
  1820: "login-not-allowed", // ER_MUST_CHANGE_PASSWORD
  1862: "login-not-allowed", // ER_MUST_CHANGE_PASSWORD_LOGIN
  3118: "login-not-allowed", // ER_ACCOUNT_HAS_BEEN_LOCKED (MySQL)
  4151: "login-not-allowed", // ER_ACCOUNT_HAS_BEEN_LOCKED (MariaDB)
  1040: "unavailable", // ER_CON_COUNT_ERROR
  3024: "timeout", // ER_QUERY_TIMEOUT (MySQL max_execution_time)
  1969: "timeout", // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
};

function classify(error: unknown): DriverFailure {
  const e = error as { code?: unknown; errno?: unknown };
  if (e?.code === "HANDSHAKE_NO_SSL_SUPPORT") return { kind: "tls-unsupported" };
  const errno = typeof e?.errno === "number" ? e.errno : undefined;
  const kind = errno === undefined ? undefined : MYSQL_ERRNO[errno];
  if (kind && kind !== "other") return { kind } as DriverFailure;
  const code = typeof e?.code === "string" && e.code.startsWith("ER_") ? `${e.code} ${errno ?? ""}`.trim() : undefined;
  return code ? { kind: "other", code } : { kind: "other" };
}

export const mysqlDialect: SqlDialect<MysqlSession> = {
  id: "mysql",
  label: "MySQL",
  probeTrustAuthentication: false,
  userNoun: "account",
  classify,
  describeUser: accountName,
  privilegeHint: "grant it CREATE USER ON *.*, or UPDATE ON mysql.*",
  readUsersHint: "grant it SELECT ON mysql.user",

  async connect(connection, login) {
    const timeout = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const conn = await mysql.createConnection({
      host: connection.host,
      port: connection.port,
      user: login.username,
      password: login.password,
      ...(connection.database ? { database: connection.database } : {}),
      ssl: tlsOptions(connection),
      connectTimeout: timeout,
      charset: "utf8mb4_general_ci",
      multipleStatements: false,
    });
    let open = true;
    // A connection dropped between queries is reported as an 'error' event on the underlying connection;
    // without a listener it would crash the process. The failing query (if any) still rejects.
    const core = (conn as unknown as { connection: EventEmitter & { stream?: { destroyed?: boolean } } }).connection;
    core.on("error", () => void (open = false));
    core.on("end", () => void (open = false));
    return {
      conn,
      timeout,
      isOpen: () => open && !core.stream?.destroyed,
      async close() {
        open = false;
        await conn.end().catch(() => conn.destroy());
      },
    };
  },

  async setPassword(session, user, newPassword) {
    // Escaped values are safe from here on: `query` turned NO_BACKSLASH_ESCAPES off first (adoptFacts).
    const plugin = await pluginOf(session, user);
    // Refuse before ALTER USER when the account list is hidden: Rotor could not tell a missing account (a typo,
    // another host part) from an existing one, and ALTER USER on a missing account changes nothing the
    // application uses.
    if (plugin === undefined) throw accountNotConfirmed(user);
    const form = passwordForm((await factsOf(session)).product, plugin);
    // `query` (client-side escaping), not `execute`: ALTER USER is not supported as a prepared statement.
    if (form.kind === "hash") {
      try {
        await query(session, `ALTER USER ?@? ${form.clause}`, [user.username, hostOf(user), form.hash(newPassword)]);
        return;
      } catch (error) {
        if ((error as { errno?: unknown }).errno !== ER_NOT_VALID_PASSWORD) throw error;
      }
    }
    await query(session, "ALTER USER ?@? IDENTIFIED BY ?", [user.username, hostOf(user), newPassword]);
  },

  async inspect(session, users) {
    const [info] = await rawQuery<{ version: string; me: string; mode: string; role: string | null }>(session, `SELECT ${FACTS}, CURRENT_ROLE() AS role`);
    await adoptFacts(session, info!);
    const me = splitAccount(info!.me);
    const grantee = accountName(me);
    const globalPrivs = await query<{ p: string; g: string }>(
      session,
      "SELECT PRIVILEGE_TYPE AS p, GRANTEE AS g FROM information_schema.USER_PRIVILEGES",
    );
    const schemaPrivs = await query<{ p: string; g: string }>(
      session,
      "SELECT PRIVILEGE_TYPE AS p, GRANTEE AS g FROM information_schema.SCHEMA_PRIVILEGES WHERE TABLE_SCHEMA = 'mysql'",
    );
    // Privileged users see everyone's rows; only the managing user's own grants count.
    const mine = (rows: { p: string; g: string }[]) => new Set(rows.filter((r) => r.g === grantee).map((r) => r.p));
    const global = mine(globalPrivs);
    const schema = mine(schemaPrivs);
    const privilege = global.has("CREATE USER")
      ? "CREATE USER"
      : global.has("UPDATE")
        ? "UPDATE on *.*"
        : schema.has("UPDATE")
          ? "UPDATE on mysql.*"
          : null;
    // Privileges that arrive through an active role are not listed above: then "not found" means "unknown".
    const hasRoles = info!.role !== null && info!.role !== "NONE";
    const changeable = privilege ? true : hasRoles ? null : false;

    const product: Product = /mariadb/i.test(info!.version) ? "MariaDB" : "MySQL";
    const warnings: string[] = [];
    const pingUsers: PingUser[] = [];
    for (const user of users) {
      let exists: boolean | null;
      try {
        const rows = await query(session, "SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?", [user.username, hostOf(user)]);
        exists = rows.length > 0;
      } catch (error) {
        // Without SELECT on mysql.user the account list is hidden; ALTER USER may still work.
        if (classify(error).kind !== "permission") throw error;
        exists = null;
      }
      const userChangeable = exists === false ? null : changeable;
      const grantHint = userChangeable === false ? `GRANT CREATE USER ON *.* TO ${mysql.escape(me.username)}@${mysql.escape(me.host)};` : undefined;
      pingUsers.push({
        username: user.username,
        host: hostOf(user),
        exists,
        canLogin: null,
        changeable: userChangeable,
        ...(grantHint ? { grantHint } : {}),
      });
      if (exists !== false) {
        const form = passwordForm(product, exists === null ? undefined : await pluginOf(session, user));
        if (form.kind === "plaintext") {
          warnings.push(`${accountName(user)} can only be given its new password in plaintext (${form.reason}); the server's general log, if enabled, would record it.`);
        }
      }
    }
    return {
      serverVersion: `${product} ${info!.version.split("-")[0]}`,
      authenticatedAs: info!.me,
      privilege,
      users: pingUsers,
      warnings,
      passwordPolicy: await passwordPolicyOf(session, product),
    };
  },

  /**
   * The processlist shows other users' connections only with PROCESS (or SUPER); without it, an empty list says
   * nothing. A privilege that may arrive through an active role cannot be told from here: then "none" is kept,
   * which the guard reports as "cannot tell" (it never holds a rotation).
   */
  async sessionVisibility(session) {
    const me = splitAccount((await factsOf(session)).me);
    const grantee = accountName(me);
    const privileges = await query<{ p: string }>(
      session,
      "SELECT PRIVILEGE_TYPE AS p FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ? AND PRIVILEGE_TYPE IN ('PROCESS', 'SUPER')",
      [grantee],
    );
    return privileges.length > 0 ? { level: "all", grant: null } : { level: "none", grant: `GRANT PROCESS ON *.* TO ${grantee}` };
  },

  async otherSessionsOf(session, user) {
    // HOST is the client's host:port; the account host is not listed, so every account of that name counts.
    const rows = await query<{ host: string | null }>(
      session,
      "SELECT HOST AS host FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()",
      [user.username],
    );
    const sources = [...new Set(rows.map((r) => (r.host ?? "").replace(/:\d+$/, "") || "local socket"))];
    return { count: rows.length, sources };
  },

  async checkAuthenticatedAs(session, user) {
    const me = splitAccount((await factsOf(session)).me);
    if (me.username === user.username && me.host === hostOf(user)) return null;
    return (
      `The login matched the account ${accountName(me)}, not ${accountName(user)}. ` +
      "Check the account host: a more specific account for the same user takes precedence."
    );
  },
};
