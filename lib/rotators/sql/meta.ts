/** The form fields every two-user SQL rotator shares (client-safe); each dialect's meta.ts adds its own. */
import type { CredentialFormat, FieldSpec, RotatorMeta } from "../types";
import { passwordRuleFields } from "../password/meta";
import { sqlSecretInputPaths, usernamePasswordCredentialSchema } from "./inputs";

export const sqlFields = ({ defaultPort, defaultDatabase }: { defaultPort: number; defaultDatabase?: string }): FieldSpec[] => [
  { path: "host", label: "Host", kind: "text", placeholder: "db.internal" },
  { path: "port", label: "Port", kind: "number", defaultValue: String(defaultPort) },
  { path: "database", label: "Database", kind: "text", ...(defaultDatabase ? { defaultValue: defaultDatabase } : {}) },
  { path: "tls.mode", label: "TLS", kind: "select", options: ["require", "verify-full", "disable"], defaultValue: "require", hint: "disable only on a trusted network" },
  { path: "tls.ca", label: "CA certificate (PEM)", kind: "textarea", showIf: { path: "tls.mode", values: ["verify-full"] } },
  { path: "managing.username", label: "Managing user", kind: "text", hint: "May change the two users' passwords" },
  { path: "managing.password", label: "Managing password", kind: "password" },
  { path: "username1", label: "User 1", kind: "text" },
  { path: "username2", label: "User 2", kind: "text" },
  ...passwordRuleFields("passwordRules"),
];

/** Importing the credential in use now: one of the two users and its password. */
const sqlImportFields: FieldSpec[] = [
  { path: "username", label: "Current user", kind: "text" },
  { path: "password", label: "Current password", kind: "password" },
];

/** How a dialect's clients take a connection: the URL scheme, the TLS parameter, the environment variables. */
export interface SqlClientConventions {
  /** "postgresql", "mysql" */
  scheme: string;
  /** The connection-string query for each TLS mode of the inputs ("sslmode=require"). */
  tlsQuery: Record<"disable" | "require" | "verify-full", string>;
  /** The variables the dialect's clients and drivers read (libpq's PGHOST …), and the TLS one if there is one. */
  env: { host: string; port: string; database: string; user: string; password: string; tls?: { name: string; values: Record<"disable" | "require" | "verify-full", string> } };
}

/** A value as a line of a .env file or a shell reads it: bare when safe, else single-quoted. */
function envValue(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]*$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** What a connection needs from the stored inputs (host, port, database, TLS mode) and the credential. */
function connectionParts(credential: Record<string, string>, inputs: Record<string, unknown>) {
  const tls = (inputs.tls as { mode?: string } | undefined)?.mode;
  return {
    host: String(inputs.host ?? ""),
    port: inputs.port === undefined ? "" : String(inputs.port),
    database: typeof inputs.database === "string" ? inputs.database : "",
    tls: tls === "disable" || tls === "verify-full" ? tls : "require",
    username: credential.username ?? "",
    password: credential.password ?? "",
  } as const;
}

/** Username and password together, as a connection string, and as environment lines. */
export const sqlCredentialFormats = (conventions: SqlClientConventions): CredentialFormat[] => [
  {
    label: "Username and password",
    format: ({ credential }) => `username: ${credential.username ?? ""}\npassword: ${credential.password ?? ""}`,
  },
  {
    label: "Connection string",
    format: ({ credential, inputs }) => {
      const c = connectionParts(credential, inputs);
      const host = c.host.includes(":") ? `[${c.host}]` : c.host; // an IPv6 literal
      const auth = `${encodeURIComponent(c.username)}:${encodeURIComponent(c.password)}`;
      return `${conventions.scheme}://${auth}@${host}${c.port ? `:${c.port}` : ""}/${encodeURIComponent(c.database)}?${conventions.tlsQuery[c.tls]}`;
    },
  },
  {
    label: "Environment lines",
    format: ({ credential, inputs }) => {
      const c = connectionParts(credential, inputs);
      const { env } = conventions;
      const lines: [string, string][] = [
        [env.host, c.host],
        [env.port, c.port],
        ...(c.database ? ([[env.database, c.database]] as [string, string][]) : []),
        [env.user, c.username],
        [env.password, c.password],
        ...(env.tls ? ([[env.tls.name, env.tls.values[c.tls]]] as [string, string][]) : []),
      ];
      return lines.map(([name, value]) => `${name}=${envValue(value)}`).join("\n");
    },
  },
];

/** Roll back of a two-user SQL rotator: both users still log in, so it is a swap in Rotor's state only. */
const sqlRollbackEffect =
  "Both users still log in: the previous user and password become current again, the current ones become previous. Nothing changes at the database.";

/** What every two-user SQL type says about itself the same way: its secrets, its credential, that it reaches
 *  its database through a connector, how its credential is imported and what a roll back does. */
export const sqlMetaCommon = {
  secretInputPaths: sqlSecretInputPaths,
  secretCredentialKeys: ["password"],
  credentialSchema: usernamePasswordCredentialSchema,
  binding: { kind: "connector" },
  importFields: sqlImportFields,
  rollbackEffect: sqlRollbackEffect,
} as const satisfies Partial<RotatorMeta<unknown>>;
