/**
 * Inputs of the `aws-iam` rotator, validated with zod (shared by the server action and the client form).
 */
import { z } from "zod";
import { parseUserRef } from "./arn";

/** Region names like us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1, ap-southeast-5. */
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** Access key ids: AKIA (long-term) or ASIA (temporary) and friends; upper-case letters and digits. */
export const ACCESS_KEY_ID_PATTERN = /^[A-Z0-9]{16,128}$/;

export const regionSchema = z
  .string()
  .trim()
  .regex(REGION_PATTERN, { message: "Not an AWS region name (expected something like us-east-1 or eu-central-1)" });

export const userNameSchema = z
  .string()
  .trim()
  .min(1, "IAM user name or ARN is required")
  .max(2048, "userName is longer than an IAM user ARN can be (2048 characters)")
  .superRefine((value, ctx) => {
    const parsed = parseUserRef(value);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
  });

/** AWS secret access keys are 40 characters; session tokens a few hundred to a few thousand. */
const secretText = (what: string, max: number) =>
  z
    .string()
    .min(1, `${what} is required`)
    .max(max, `${what} is longer than ${max} characters`)
    .refine((value) => !value.includes("\0"), `${what} must not contain NUL characters`);

export const staticLoginSchema = z.object({
  kind: z.literal("static"),
  accessKeyId: z.string().trim().regex(ACCESS_KEY_ID_PATTERN, { message: "Not an AWS access key id" }),
  secretAccessKey: secretText("Secret access key", 256),
  sessionToken: secretText("Session token", 8192).optional(),
});

/** Exponential backoff while waiting for IAM's eventual consistency (a new key typically works in 5–10 s). */
export const backoffSchema = z
  .object({
    initialDelayMs: z.number().int().min(10).max(60_000).default(1_000),
    maxDelayMs: z.number().int().min(10).max(300_000).default(8_000),
    multiplier: z.number().min(1).max(10).default(2),
  })
  .refine((b) => b.maxDelayMs >= b.initialDelayMs, { message: "maxDelayMs must be at least initialDelayMs", path: ["maxDelayMs"] });

export const awsIamInputsSchema = z.object({
  region: regionSchema.default("us-east-1"),
  /** The IAM user whose keys rotate: a name ("app") or an ARN ("arn:aws:iam::123456789012:user/path/app"). */
  userName: userNameSchema,
  /**
   * The managing login. Optional: when the engine resolves a login provider (static or OIDC) it passes
   * `context.awsCredentials`, which takes precedence; static keys here are the fallback.
   */
  login: staticLoginSchema.optional(),
  /** How long to wait for AWS to accept a new key before failing the run (the key stays pending). */
  verifyTimeoutSeconds: z.number().int().min(1).max(900).default(60),
  backoff: backoffSchema.default({ initialDelayMs: 1_000, maxDelayMs: 8_000, multiplier: 2 }),
  /**
   * Grace (AWS's own advice: deactivate, watch, then delete): the key that becomes previous is deactivated at
   * rotation instead of staying active, and deleted only at the next rotation; until then Roll back reactivates
   * it. Off: previous stays active (two working keys) until the next rotation deletes it.
   */
  graceDeactivate: z.boolean().default(false),
});

export type AwsIamInputs = z.output<typeof awsIamInputsSchema>;
export type AwsIamInputsInput = z.input<typeof awsIamInputsSchema>;

/** The rotated credential as consumers read it. */
export const awsIamCredentialSchema = z.object({
  accessKeyId: z.string().trim().regex(ACCESS_KEY_ID_PATTERN, { message: "Not an AWS access key id" }),
  secretAccessKey: secretText("Secret access key", 256),
});
export type AwsIamCredential = z.output<typeof awsIamCredentialSchema>;
