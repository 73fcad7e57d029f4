/**
 * What the inputs of the two-user SQL rotators share; each dialect's schema (../postgres/inputs.ts,
 * ../mysql/inputs.ts) builds on it, and is shared by the client form and the server.
 */
import { z } from "zod";
import { passwordRulesSchema } from "../password/rules";
import { hostSchema } from "../host";

/** Passwords Rotor is given (the managing user's, imported ones): long enough for any real one, and storable. */
export const MAX_PASSWORD_LENGTH = 1024;

/** A password input: required, bounded, no NUL (no database accepts one). `field` begins the messages. */
export function givenPasswordSchema(field: string) {
  return z
    .string({ error: `${field} is required` })
    .min(1, `${field} is required`)
    .max(MAX_PASSWORD_LENGTH, `${field} is longer than ${MAX_PASSWORD_LENGTH} characters`)
    .refine((value) => !value.includes("\0"), `${field} must not contain NUL characters`);
}

/** A PEM bundle is a few KB per certificate; this allows a few hundred. */
const MAX_CA_LENGTH = 512 * 1024;

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
      .max(MAX_CA_LENGTH, `ca is longer than ${MAX_CA_LENGTH / 1024} KB`)
      .refine((pem) => pem.includes("-----BEGIN CERTIFICATE-----"), "ca must be a PEM certificate (-----BEGIN CERTIFICATE-----)")
      .optional()
      .describe("PEM CA certificate(s) for verify-full. Ignored by the other modes."),
  })
  .default({ mode: "require" });

/** A server's TCP port, `defaultPort` when the inputs leave it out. */
export function portSchema(defaultPort: number) {
  return z
    .number({ error: "port must be a number" })
    .int("port must be a whole number")
    .min(1, "port must be between 1 and 65535")
    .max(65535, "port must be between 1 and 65535")
    .default(defaultPort);
}

/** An optional connect (and statement or command) timeout in milliseconds; the rotator's default when absent. */
export const timeoutMsSchema = z.number().int().min(100, "timeoutMs must be at least 100").max(120_000, "timeoutMs must be at most 120000").optional();

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
    .refine((name) => !name.includes("\0"), `${field} must not contain NUL characters`)
    .refine((name) => rule.fits(name), `${field} ${rule.tooLong}`);
}

/** The inputs every two-user SQL rotator has; each dialect adds its own (database, account host). */
export function sqlInputsShape(usernameRule: UsernameRule, defaultPort: number) {
  return {
    host: hostSchema("host"),
    port: portSchema(defaultPort),
    tls: tlsSchema,
    /** The user Rotor logs in as to change the two users' passwords. `password` is secret. */
    managing: z.object({
      username: usernameSchema(usernameRule, "managing.username"),
      password: givenPasswordSchema("managing.password"),
    }, { error: "managing.username and managing.password are required" }),
    /** The two pre-created users that take turns; the first rotation without state rotates username1. */
    username1: usernameSchema(usernameRule, "username1"),
    username2: usernameSchema(usernameRule, "username2"),
    /** How new passwords are generated (default: 32 characters, all classes, URL- and shell-safe specials). */
    passwordRules: passwordRulesSchema.optional(),
    /** Connect and statement timeout in milliseconds (default 10 000). */
    timeoutMs: timeoutMsSchema,
  };
}

type ShapeOutput = { username1: string; username2: string; managing: { username: string } };

export function distinctUsers(inputs: ShapeOutput, ctx: z.RefinementCtx) {
  if (inputs.username1 === inputs.username2) {
    ctx.addIssue({ code: "custom", path: ["username2"], message: "username2 must be a different user from username1" });
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

/** The credential of a rotator that rotates a user's password: exactly its username and password. */
export const usernamePasswordCredentialSchema = z.strictObject({
  username: z.string().min(1, "username must not be empty").max(MAX_PASSWORD_LENGTH, "username is too long"),
  password: givenPasswordSchema("password"),
});
