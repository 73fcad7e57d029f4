/**
 * Inputs of the two-user SQL rotators, one zod schema per dialect, shared by the client form and the server.
 */
import { z } from "zod";
import { passwordRulesSchema } from "../password/rules";
import type { DatabaseDialect } from "./connector";

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

/** PostgreSQL truncates identifiers to 63 bytes, which would silently rotate a different role. */
const PG_MAX_IDENTIFIER_BYTES = 63;
/** MariaDB's limit; MySQL 8 allows 32 and will refuse longer names itself. */
const MYSQL_MAX_USERNAME = 80;

function usernameSchema(dialect: DatabaseDialect, field: string) {
  return z
    .string({ error: `${field} is required` })
    .min(1, `${field} is required`)
    .refine((name) => !name.includes("\0"), `${field} must not contain a NUL character`)
    .refine(
      (name) =>
        dialect === "postgres" ? Buffer.byteLength(name, "utf8") <= PG_MAX_IDENTIFIER_BYTES : name.length <= MYSQL_MAX_USERNAME,
      dialect === "postgres"
        ? `${field} is longer than PostgreSQL's ${PG_MAX_IDENTIFIER_BYTES}-byte limit`
        : `${field} is longer than ${MYSQL_MAX_USERNAME} characters`,
    );
}

function sqlInputsShape(dialect: DatabaseDialect, defaultPort: number) {
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
      username: usernameSchema(dialect, "managing.username"),
      password: z.string({ error: "managing.password is required" }).min(1, "managing.password is required"),
    }),
    /** The two pre-created users that take turns; the first rotation without state rotates username1. */
    username1: usernameSchema(dialect, "username1"),
    username2: usernameSchema(dialect, "username2"),
    /** How new passwords are generated (default: 32 characters, all classes, URL- and shell-safe specials). */
    passwordRules: passwordRulesSchema.optional(),
    /** Connect and statement timeout in milliseconds (default 10 000). */
    timeoutMs: z.number().int().min(100).max(120_000).optional(),
  };
}

type ShapeOutput = { username1: string; username2: string; managing: { username: string } };

function distinctUsers(inputs: ShapeOutput, ctx: z.RefinementCtx) {
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

export const postgresInputsSchema = z
  .object({
    ...sqlInputsShape("postgres", 5432),
    database: z.string().trim().min(1, "database must not be empty").default("postgres"),
  })
  .superRefine(distinctUsers);

export const mysqlInputsSchema = z
  .object({
    ...sqlInputsShape("mysql", 3306),
    /** Optional default schema to connect to; empty connects without one. */
    database: z.string().trim().optional(),
    /** Host part of both rotated accounts ('user'@'host'). */
    userHost: z.string().trim().min(1, "userHost must not be empty (use % for any host)").max(255).default("%"),
  })
  .superRefine(distinctUsers);

export type PostgresInputs = z.output<typeof postgresInputsSchema>;
export type MysqlInputs = z.output<typeof mysqlInputsSchema>;

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
