/**
 * `postgres`: two PostgreSQL roles take turns (see ../sql/two-user-rotator.ts). New passwords are sent as
 * SCRAM-SHA-256 verifiers, so the plaintext never reaches the server or its logs (./dialect.ts).
 */
import { createTwoUserRotator } from "../sql/two-user-rotator";
import type { RotatorDefinition } from "../types";
import { postgresDialect } from "./dialect";
import type { PostgresInputs } from "./inputs";
import { postgresMeta } from "./meta";

export const postgresRotator: RotatorDefinition<PostgresInputs> = createTwoUserRotator(postgresMeta, postgresDialect);
