/**
 * Inputs of the `postgres` rotator (one zod schema, shared by the client form and the server).
 */
import { z } from "zod";
import { distinctUsers, sqlInputsShape, type UsernameRule } from "../sql/inputs";

/** PostgreSQL truncates identifiers to 63 bytes, which would silently rotate a different role. */
const PG_MAX_IDENTIFIER_BYTES = 63;

const roleName: UsernameRule = {
  fits: (name) => Buffer.byteLength(name, "utf8") <= PG_MAX_IDENTIFIER_BYTES,
  tooLong: `is longer than PostgreSQL's ${PG_MAX_IDENTIFIER_BYTES}-byte limit`,
};

export const postgresInputsSchema = z
  .object({
    ...sqlInputsShape(roleName, 5432),
    database: z
      .string()
      .trim()
      .min(1, "database must not be empty")
      .refine((name) => roleName.fits(name), `database ${roleName.tooLong}`)
      .refine((name) => !name.includes("\0"), "database must not contain NUL characters")
      .default("postgres"),
  })
  .superRefine(distinctUsers);

export type PostgresInputs = z.output<typeof postgresInputsSchema>;
