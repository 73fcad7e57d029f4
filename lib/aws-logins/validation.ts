/**
 * Schemas for AWS login providers, shared by the Logins forms (flat form fields) and the services (the
 * stored, structured config). Client-importable: no node:* imports.
 */
import { z } from "zod";
import { ACCESS_KEY_ID_PATTERN, regionSchema } from "../rotators/aws-iam/inputs";
import { DEFAULT_SESSION_NAME_TEMPLATE, DEFAULT_SUBJECT_TEMPLATE, templateProblems } from "./subject";
import { POLICY_ARN_PATTERN, ROLE_ARN_PATTERN } from "./trust-policy";

export const LOGIN_KINDS = ["static", "oidc"] as const;
export type LoginKind = (typeof LOGIN_KINDS)[number];
export const DEFAULT_LOGIN_AUDIENCE = "sts.amazonaws.com";
/** STS: DurationSeconds from 900 s to the role's maximum session duration (at most 12 h). */
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43_200;

export const loginNameSchema = z
  .string()
  .trim()
  .min(1, "Give the login a name")
  .max(100, "Use at most 100 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, "Use letters, digits, spaces and . _ - (starting with a letter or digit)");

const template = (what: string, options: { forSessionName?: boolean } = {}) =>
  z
    .string()
    .trim()
    .max(200, `${what} is too long`)
    .superRefine((value, ctx) => {
      for (const problem of templateProblems(value, options)) ctx.addIssue({ code: "custom", message: `${what} ${problem}` });
    });

/** Stored config of a `static` login (the secret access key and session token are encrypted apart). */
export const staticLoginConfigSchema = z.object({
  region: regionSchema.default("us-east-1"),
  accessKeyId: z.string().trim().regex(ACCESS_KEY_ID_PATTERN, { message: "Not an AWS access key id" }),
});

/** Stored config of an `oidc` login: Rotor signs a token and exchanges it for this role. */
export const oidcLoginConfigSchema = z.object({
  region: regionSchema.default("us-east-1"),
  roleArn: z.string().trim().regex(ROLE_ARN_PATTERN, { message: "Not an IAM role ARN (arn:aws:iam::123456789012:role/name)" }),
  sessionName: template("The session name", { forSessionName: true }).default(DEFAULT_SESSION_NAME_TEMPLATE),
  durationSeconds: z.coerce
    .number()
    .int()
    .min(MIN_DURATION_SECONDS, `The duration must be at least ${MIN_DURATION_SECONDS} seconds`)
    .max(MAX_DURATION_SECONDS, `The duration must be at most ${MAX_DURATION_SECONDS} seconds (and the role's maximum)`)
    .default(3600),
  policyArns: z.array(z.string().trim().regex(POLICY_ARN_PATTERN, { message: "Not a managed policy ARN" })).max(10, "At most 10 policy ARNs").default([]),
  audience: z.string().trim().min(1, "The audience is required").max(255).default(DEFAULT_LOGIN_AUDIENCE),
  subjectTemplate: template("The subject template").default(DEFAULT_SUBJECT_TEMPLATE),
});

export type StaticLoginConfig = z.output<typeof staticLoginConfigSchema>;
export type OidcLoginConfig = z.output<typeof oidcLoginConfigSchema>;
export type LoginConfig = { kind: "static"; config: StaticLoginConfig } | { kind: "oidc"; config: OidcLoginConfig };

export interface StaticLoginSecret {
  secretAccessKey: string;
  sessionToken?: string;
}

const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optionalText = z.preprocess(blankToUndefined, z.string().optional());

/** The form's flat fields (FormData strings); which ones apply depends on `kind`. */
const loginFormFields = {
  name: loginNameSchema,
  region: optionalText,
  accessKeyId: optionalText,
  secretAccessKey: optionalText,
  sessionToken: optionalText,
  roleArn: optionalText,
  sessionName: optionalText,
  durationSeconds: optionalText,
  audience: optionalText,
  subjectTemplate: optionalText,
  /** One ARN per line (or comma-separated). */
  policyArns: optionalText,
};

export const createLoginProviderSchema = z.object({ kind: z.enum(LOGIN_KINDS), ...loginFormFields });
export const updateLoginProviderSchema = z.object({ loginProviderId: z.uuid(), ...loginFormFields });
export const loginProviderIdSchema = z.object({ loginProviderId: z.uuid() });
export const deleteLoginProviderSchema = z.object({ loginProviderId: z.uuid(), confirmName: z.string().trim().min(1, "Type the login's name to confirm") });

export type LoginForm = z.output<typeof createLoginProviderSchema>;

/** Turns the flat form into the stored config, with field errors keyed by form field. */
export function loginConfigFromForm(
  kind: LoginKind,
  form: Omit<LoginForm, "kind" | "name">,
): { ok: true; value: LoginConfig } | { ok: false; fieldErrors: Record<string, string> } {
  const raw =
    kind === "static"
      ? { region: form.region, accessKeyId: form.accessKeyId }
      : {
          region: form.region,
          roleArn: form.roleArn,
          sessionName: form.sessionName,
          durationSeconds: form.durationSeconds,
          audience: form.audience,
          subjectTemplate: form.subjectTemplate,
          policyArns: (form.policyArns ?? "").split(/[\s,]+/).filter(Boolean),
        };
  const parsed = (kind === "static" ? staticLoginConfigSchema : oidcLoginConfigSchema).safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0] ?? "form")] ??= issue.message;
    return { ok: false, fieldErrors };
  }
  return { ok: true, value: { kind, config: parsed.data } as LoginConfig };
}

export function parseStoredLoginConfig(kind: LoginKind, config: unknown): LoginConfig {
  return kind === "static"
    ? { kind, config: staticLoginConfigSchema.parse(config) }
    : { kind, config: oidcLoginConfigSchema.parse(config) };
}
