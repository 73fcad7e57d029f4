/**
 * Inputs of the `mysql` rotator (one zod schema, shared by the client form and the server).
 */
import { z } from "zod";
import { distinctUsers, sqlInputsShape, type UsernameRule } from "../sql/inputs";

/** MariaDB's limit; MySQL 8 allows 32 and will refuse longer names itself. */
const MYSQL_MAX_USERNAME = 80;

const accountName: UsernameRule = {
  fits: (name) => name.length <= MYSQL_MAX_USERNAME,
  tooLong: `is longer than ${MYSQL_MAX_USERNAME} characters`,
};

export const mysqlInputsSchema = z
  .object({
    ...sqlInputsShape(accountName, 3306),
    /** Optional default schema to connect to; empty connects without one. */
    database: z.string().trim().max(64, "database is longer than 64 characters").optional(),
    /** Host part of both rotated accounts ('user'@'host'). */
    userHost: z.string().trim().min(1, "userHost must not be empty (use % for any host)").max(255).default("%"),
  })
  .superRefine(distinctUsers);

export type MysqlInputs = z.output<typeof mysqlInputsSchema>;
