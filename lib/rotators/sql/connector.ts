/**
 * How the SQL rotators reach a database: the DatabaseConnector interface. It belongs to the rotator library
 * (which may import nothing else from lib/), and is implemented by the direct connection (./direct.ts, this
 * process opens the connection) and by the aws-lambda connectors in lib/connectors, which send each request to
 * a handler inside the VPC that answers with the direct connection. That is why every request and response
 * here is plain JSON (no functions, Buffers or class instances) and why errors come back as `RotatorError`
 * codes, not driver errors.
 *
 * Rules every implementation keeps:
 * - Each call opens its own connection(s) and always closes them, also on failure. (The one exception is the
 *   direct connector of a rotation run, direct.ts `createRunConnector`: it keeps one managing session across
 *   the run's calls and the engine closes it when the run ends.)
 * - Nothing here logs or returns a password; thrown `RotatorError`s carry redacted, actionable messages.
 * - `setPassword` never sends the plaintext to PostgreSQL (it sends a SCRAM verifier) and escapes every
 *   identifier and value with the driver's own escaping.
 */
/** The SQL dialects: each has a rotator type of the same name and a `SqlDialect` in that type's folder. */
export const DATABASE_DIALECTS = ["postgres", "mysql"] as const;
export type DatabaseDialect = (typeof DATABASE_DIALECTS)[number];

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
  /** null: unknown (the managing user may not read the account list, or the connector cannot inspect). */
  exists: boolean | null;
  /** PostgreSQL: rolcanlogin. null when unknown. */
  canLogin: boolean | null;
  /** Whether the managing user may change this user's password; null when it cannot be told. */
  changeable: boolean | null;
  /** When not changeable: what to run (as an administrator) so it becomes changeable, e.g.
   *  `GRANT "app" TO "rotor" WITH ADMIN OPTION`. */
  grantHint?: string;
}

/** A server-side password-validation policy (MariaDB simple_password_check, MySQL validate_password): every
 *  new password must have at least these counts, or the server refuses it. */
export interface PasswordPolicy {
  /** e.g. "MariaDB simple_password_check". */
  source: string;
  minLength: number;
  minDigits: number;
  minUppercase: number;
  minLowercase: number;
  minSymbols: number;
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
  /** The server's password-validation policy, when it has one that applies to the passwords Rotor sets.
   *  Absent: the connector does not say (an older connector handler). */
  passwordPolicy?: PasswordPolicy | null;
  /** Set when the connector cannot look into the database at all (a Pulumi ESC-compatible connector): why. The
   *  managing login, the users and the privileges are then unknown, not missing. */
  notInspected?: string;
  /** What the managing user can see of other users' sessions (the lockout guard's in-use check). Absent from
   *  connectors that do not report it. */
  sessionVisibility?: SessionVisibility;
}

/**
 * How much of another user's sessions the managing user can see:
 * - `all`: each session and where it comes from (PostgreSQL pg_read_all_stats, MySQL PROCESS);
 * - `count`: that sessions exist, not from where (PostgreSQL without pg_read_all_stats);
 * - `none`: only its own (MySQL without PROCESS): whether the user is still connected cannot be told.
 */
export interface SessionVisibility {
  level: "all" | "count" | "none";
  /** What to grant the managing user to see everything; null when it already does. */
  grant: string | null;
}

export interface ListSessionsRequest {
  connection: DatabaseConnection;
  managing: DatabaseLogin;
  user: TargetUser;
}

/** The sessions open as `user` now (not counting the managing user's own). */
export interface ListSessionsResponse extends SessionVisibility {
  count: number;
  /** Where they come from (client addresses or hosts), when visible. */
  sources: string[];
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
  /** Optional: the sessions open as `user` (the lockout guard). Changes nothing. Absent: cannot tell. */
  listSessions?(req: ListSessionsRequest): Promise<ListSessionsResponse>;
}
