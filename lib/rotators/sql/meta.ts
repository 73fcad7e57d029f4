/** The form fields every two-user SQL rotator shares (client-safe); each dialect's meta.ts adds its own. */
import type { FieldSpec } from "../types";
import { passwordRuleFields } from "../password/meta";

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
export const sqlImportFields: FieldSpec[] = [
  { path: "username", label: "Current user", kind: "text" },
  { path: "password", label: "Current password", kind: "password" },
];
