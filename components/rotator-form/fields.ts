/**
 * The form fields of each rotator type, as dotted input paths. The form builds the inputs object from them
 * and validates it with the type's own schema (lib/rotators/input-schemas.ts).
 */
import type { RotatorType } from "@/lib/rotators/types";
import { getPath, setPath } from "@/lib/object-paths";

export interface FieldSpec {
  path: string;
  label: string;
  kind: "text" | "number" | "password" | "select" | "textarea" | "checkbox";
  options?: string[];
  placeholder?: string;
  hint?: string;
  /** Only shown (and sent) when another field has one of these values. */
  showIf?: { path: string; values: string[] };
  defaultValue?: string | boolean;
}

/** How new secrets are generated (lib/rotators/password/rules.ts); the defaults avoid characters that break
 *  connection strings, URLs and shells. */
const passwordRuleFields = (prefix: string): FieldSpec[] => [
  { path: `${prefix}.length`, label: "Password length", kind: "number", defaultValue: "32" },
  { path: `${prefix}.lowercase`, label: "Lowercase letters", kind: "checkbox", defaultValue: true },
  { path: `${prefix}.uppercase`, label: "Uppercase letters", kind: "checkbox", defaultValue: true },
  { path: `${prefix}.digits`, label: "Digits", kind: "checkbox", defaultValue: true },
  { path: `${prefix}.symbols`, label: "Symbols", kind: "checkbox", defaultValue: true },
  { path: `${prefix}.minSymbols`, label: "At least this many symbols", kind: "number", defaultValue: "1" },
  { path: `${prefix}.specials`, label: "Allowed symbols", kind: "text", defaultValue: "-_.,=", hint: "Add quotes, @, :, / or % only if every consumer escapes them" },
];

const sqlFields = (defaultPort: string): FieldSpec[] => [
  { path: "host", label: "Host", kind: "text", placeholder: "db.internal" },
  { path: "port", label: "Port", kind: "number", defaultValue: defaultPort },
  { path: "database", label: "Database", kind: "text" },
  { path: "tls.mode", label: "TLS", kind: "select", options: ["require", "verify-full", "disable"], defaultValue: "require", hint: "disable only on a trusted network" },
  { path: "tls.ca", label: "CA certificate (PEM)", kind: "textarea", showIf: { path: "tls.mode", values: ["verify-full"] } },
  { path: "managing.username", label: "Managing user", kind: "text", hint: "May change the two users' passwords" },
  { path: "managing.password", label: "Managing password", kind: "password" },
  { path: "username1", label: "User 1", kind: "text" },
  { path: "username2", label: "User 2", kind: "text" },
  ...passwordRuleFields("passwordRules"),
];

export const FIELDS: Record<RotatorType, FieldSpec[]> = {
  postgres: sqlFields("5432").map((f) => (f.path === "database" ? { ...f, defaultValue: "postgres" } : f)),
  mysql: [...sqlFields("3306"), { path: "userHost", label: "Users' host part", kind: "text", defaultValue: "%", hint: "'user'@'host'" }],
  "aws-iam": [
    { path: "region", label: "Region", kind: "text", defaultValue: "us-east-1" },
    { path: "userName", label: "IAM user (name or ARN)", kind: "text", placeholder: "arn:aws:iam::123456789012:user/app" },
    { path: "login.kind", label: "Login", kind: "select", options: ["static"], defaultValue: "static" },
    { path: "login.accessKeyId", label: "Managing access key id", kind: "text" },
    { path: "login.secretAccessKey", label: "Managing secret access key", kind: "password" },
    { path: "verifyTimeoutSeconds", label: "Wait for AWS to accept a new key (seconds)", kind: "number", defaultValue: "60" },
  ],
  password: passwordRuleFields("passwordRules"),
};

/** Fields to import an existing credential as `current` (so the first rotation does not reset it). */
export const IMPORT_FIELDS: Record<RotatorType, FieldSpec[]> = {
  postgres: [
    { path: "username", label: "Current user", kind: "text" },
    { path: "password", label: "Current password", kind: "password" },
  ],
  mysql: [
    { path: "username", label: "Current user", kind: "text" },
    { path: "password", label: "Current password", kind: "password" },
  ],
  "aws-iam": [
    { path: "accessKeyId", label: "Current access key id", kind: "text" },
    { path: "secretAccessKey", label: "Current secret access key", kind: "password" },
  ],
  password: [{ path: "password", label: "Current value", kind: "password" }],
};

/** Turns the flat form values into the inputs object the schema expects. Empty fields are left out. */
export function buildInputs(fields: FieldSpec[], values: Record<string, string | boolean>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.showIf && !field.showIf.values.includes(String(values[field.showIf.path] ?? ""))) continue;
    const raw = values[field.path];
    if (field.kind === "checkbox") {
      setPath(inputs, field.path, Boolean(raw));
      continue;
    }
    if (raw === undefined || raw === "") continue;
    setPath(inputs, field.path, field.kind === "number" ? Number(raw) : raw);
  }
  return inputs;
}

export function initialValues(fields: FieldSpec[], inputs?: Record<string, unknown>): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const field of fields) {
    const stored = inputs ? getPath(inputs, field.path) : undefined;
    if (stored !== undefined && stored !== null) values[field.path] = typeof stored === "boolean" ? stored : String(stored);
    else if (field.defaultValue !== undefined) values[field.path] = field.defaultValue;
  }
  return values;
}
