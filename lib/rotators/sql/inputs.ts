/**
 * What the inputs of the two-user SQL rotators share; each dialect's schema (../postgres/inputs.ts,
 * ../mysql/inputs.ts) builds on it, and is shared by the client form and the server.
 */
import { z } from "zod";
import { passwordRulesSchema } from "../password/rules";

export const tlsSchema = z
  .object({
    mode: z
      .enum(["disable", "require", "verify-full"])
      .default("require")
      .describe(
        'TLS to the database. "require" (default): encrypted, certificate not checked. "verify-full": certificate ' +
          'chain and host name checked (against `ca`, else the system roots). "disable": plaintext — only on a ' +
          "trusted network or for local testing.",
      ),
    ca: z
      .string()
      .trim()
      .refine((pem) => pem.includes("-----BEGIN CERTIFICATE-----"), "ca must be a PEM certificate (-----BEGIN CERTIFICATE-----)")
      .optional()
      .describe("PEM CA certificate(s) for verify-full. Ignored by the other modes."),
  })
  .default({ mode: "require" });

/** What a dialect allows in a user name; checked so that a name the server would truncate or refuse is caught
 *  in the form, not half-way through a rotation. */
export interface UsernameRule {
  fits(name: string): boolean;
  /** The complaint, after the field name: "is longer than …". */
  tooLong: string;
}

function usernameSchema(rule: UsernameRule, field: string) {
  return z
    .string({ error: `${field} is required` })
    .min(1, `${field} is required`)
    .refine((name) => !name.includes("\0"), `${field} must not contain a NUL character`)
    .refine((name) => rule.fits(name), `${field} ${rule.tooLong}`);
}

/** The inputs every two-user SQL rotator has; each dialect adds its own (database, account host). */
export function sqlInputsShape(usernameRule: UsernameRule, defaultPort: number) {
  return {
    host: z.string({ error: "host is required" }).trim().min(1, "host is required"),
    port: z
      .number({ error: "port must be a number" })
      .int("port must be a whole number")
      .min(1, "port must be between 1 and 65535")
      .max(65535, "port must be between 1 and 65535")
      .default(defaultPort),
    tls: tlsSchema,
    /** The user Rotor logs in as to change the two users' passwords. `password` is secret. */
    managing: z.object({
      username: usernameSchema(usernameRule, "managing.username"),
      password: z.string({ error: "managing.password is required" }).min(1, "managing.password is required"),
    }),
    /** The two pre-created users that take turns; the first rotation without state rotates username1. */
    username1: usernameSchema(usernameRule, "username1"),
    username2: usernameSchema(usernameRule, "username2"),
    /** How new passwords are generated (default: 32 characters, all classes, URL- and shell-safe specials). */
    passwordRules: passwordRulesSchema.optional(),
    /** Connect and statement timeout in milliseconds (default 10 000). */
    timeoutMs: z.number().int().min(100).max(120_000).optional(),
  };
}

type ShapeOutput = { username1: string; username2: string; managing: { username: string } };

export function distinctUsers(inputs: ShapeOutput, ctx: z.RefinementCtx) {
  if (inputs.username1 === inputs.username2) {
    ctx.addIssue({ code: "custom", path: ["username2"], message: "username1 and username2 must be different users" });
  }
  // Rotating the managing user's own password would lock Rotor out after the first rotation.
  for (const field of ["username1", "username2"] as const) {
    if (inputs.managing.username === inputs[field]) {
      ctx.addIssue({ code: "custom", path: [field], message: `${field} must not be the managing user` });
    }
  }
}

/** What the shared two-user rotator reads from either dialect's inputs. */
export interface SqlRotatorInputs {
  host: string;
  port: number;
  database?: string;
  tls: { mode: "disable" | "require" | "verify-full"; ca?: string };
  managing: { username: string; password: string };
  username1: string;
  username2: string;
  /** MySQL only. */
  userHost?: string;
  passwordRules?: z.output<typeof passwordRulesSchema>;
  timeoutMs?: number;
}

export const sqlSecretInputPaths = ["managing.password"] as const;

export const sqlCredentialSchema = z.strictObject({
  username: z.string().min(1, "username must not be empty"),
  password: z.string().min(1, "password must not be empty"),
});
