/**
 * `postgres`: two PostgreSQL roles take turns (see ../sql/two-user-rotator.ts). New passwords are sent as
 * SCRAM-SHA-256 verifiers, so the plaintext never reaches the server or its logs.
 */
import { postgresInputsSchema, type PostgresInputs } from "../sql/inputs";
import { createTwoUserRotator } from "../sql/two-user-rotator";
import type { RotatorDefinition } from "../types";

export { postgresInputsSchema, type PostgresInputs } from "../sql/inputs";

export const postgresRotator: RotatorDefinition<PostgresInputs> = createTwoUserRotator({
  type: "postgres",
  label: "PostgreSQL user password",
  dialect: "postgres",
  inputsSchema: postgresInputsSchema,
});
