/**
 * The inputs schema of every rotator type, importable by client components (no drivers, no node:crypto),
 * so forms validate with exactly the schema the server applies.
 */
import { z } from "zod";
import type { RotatorType } from "./types";
import { postgresInputsSchema, mysqlInputsSchema } from "./sql/inputs";
import { awsIamInputsSchema } from "./aws-iam/inputs";
import { passwordRulesSchema } from "./password/rules";

export const passwordInputsSchema = z.object({
  /** How the secret is generated; every field has a default (32 characters, all classes). */
  passwordRules: passwordRulesSchema.optional(),
});

export const INPUT_SCHEMAS: Record<RotatorType, z.ZodType> = {
  postgres: postgresInputsSchema,
  mysql: mysqlInputsSchema,
  "aws-iam": awsIamInputsSchema,
  password: passwordInputsSchema,
};

export const ROTATOR_TYPE_LABELS: Record<RotatorType, string> = {
  postgres: "PostgreSQL user password",
  mysql: "MySQL / MariaDB user password",
  "aws-iam": "AWS IAM access key",
  password: "Generated password",
};

/** Dotted input paths that hold secrets, per type (client-side copy of each rotator's secretInputPaths). */
export const SECRET_INPUT_PATHS: Record<RotatorType, readonly string[]> = {
  postgres: ["managing.password"],
  mysql: ["managing.password"],
  "aws-iam": ["login.secretAccessKey", "login.sessionToken"],
  password: [],
};
