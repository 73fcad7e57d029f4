/** What the UI and the server know about the `postgres` type without running it (client-safe). */
import type { RotatorMeta } from "../types";
import { sqlCredentialSchema, sqlSecretInputPaths } from "../sql/inputs";
import { sqlFields, sqlImportFields } from "../sql/meta";
import { postgresInputsSchema, type PostgresInputs } from "./inputs";

export const postgresMeta: RotatorMeta<PostgresInputs> = {
  type: "postgres",
  label: "PostgreSQL user password",
  inputsSchema: postgresInputsSchema,
  secretInputPaths: sqlSecretInputPaths,
  secretCredentialKeys: ["password"],
  credentialSchema: sqlCredentialSchema,
  binding: { kind: "connector" },
  fields: sqlFields({ defaultPort: 5432, defaultDatabase: "postgres" }),
  importFields: sqlImportFields,
};
