/**
 * What differs between PostgreSQL and MySQL/MariaDB: the driver, the SQL, and how the driver reports
 * failures. Everything else (connection lifetime, error messages, the rotation itself) is shared.
 */
import type { DatabaseConnection, DatabaseDialect, DatabaseLogin, ListSessionsResponse, PingResponse, SessionVisibility, TargetUser, TlsSettings } from "./connector";

/** Connect timeout, also used as the statement timeout, when the connection does not set one. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * What a TLS mode means, in Node's TLS options; null for plaintext. Each dialect hands it to its driver in
 * the driver's own shape.
 */
export function tlsOptionsOf(tls: TlsSettings): { rejectUnauthorized: boolean; ca?: string } | null {
  switch (tls.mode) {
    case "disable":
      return null;
    case "require":
      return { rejectUnauthorized: false };
    case "verify-full":
      return { rejectUnauthorized: true, ...(tls.ca ? { ca: tls.ca } : {}) };
  }
}

export interface SqlSession {
  /** False once the connection was closed, ended by the server or failed: a session kept for a run (direct.ts
   *  `createRunConnector`) is then opened again instead of being reused. */
  isOpen(): boolean;
  /** Close the connection; never throws (a broken connection is destroyed instead). */
  close(): Promise<void>;
}

/** How a driver failure is classified before it becomes a RotatorError (see driver-errors.ts). */
export type DriverFailure =
  | { kind: "auth" }
  | { kind: "permission" }
  | { kind: "user-not-found" }
  | { kind: "database-not-found" }
  | { kind: "login-not-allowed" }
  | { kind: "tls-unsupported" }
  | { kind: "timeout" }
  | { kind: "unavailable" }
  | { kind: "other"; code?: string };

export interface SqlDialect<S extends SqlSession = SqlSession> {
  readonly id: DatabaseDialect;
  /** Product name for messages. */
  readonly label: string;
  /** Whether `ping` should try a wrong password to detect servers that accept any (PostgreSQL `trust`). */
  readonly probeTrustAuthentication: boolean;
  connect(connection: DatabaseConnection, login: DatabaseLogin): Promise<S>;
  /** Change the password with driver-escaped SQL; the plaintext must not appear in anything logged. */
  setPassword(session: S, user: TargetUser, newPassword: string): Promise<void>;
  inspect(session: S, users: TargetUser[]): Promise<Omit<PingResponse, "ok">>;
  /** What the managing user (this session) can see of other users' sessions. */
  sessionVisibility(session: S): Promise<SessionVisibility>;
  /** The sessions open as `user`, other than this one, as far as the managing user can see them (what it can
   *  see is `sessionVisibility`; direct.ts reports the two together). */
  otherSessionsOf(session: S, user: TargetUser): Promise<Omit<ListSessionsResponse, keyof SessionVisibility>>;
  /** null when the session belongs to `user`; otherwise why it does not. */
  checkAuthenticatedAs(session: S, user: TargetUser): Promise<string | null>;
  /** SQL-level classification; network and TLS errors are classified in driver-errors.ts. */
  classify(error: unknown): DriverFailure;
  /** What this product calls a user in messages: "role" (PostgreSQL), "account" (MySQL). */
  readonly userNoun: string;
  /** A user as people name it in this product: "app" (PostgreSQL), 'app'@'%' (MySQL). */
  describeUser(user: TargetUser): string;
  /** What to grant so the managing user may change passwords. */
  readonly privilegeHint: string;
  /** What to grant so the managing user may see which users exist, where it may not by default. */
  readonly readUsersHint?: string;
}
