/** What the UI and the server know about the `postgres` type without running it (client-safe). */
import type { RotatorMeta } from "../types";
import { sqlCredentialFormats, sqlFields, sqlMetaCommon } from "../sql/meta";
import { postgresInputsSchema, type PostgresInputs } from "./inputs";

export const postgresMeta: RotatorMeta<PostgresInputs> = {
  type: "postgres",
  label: "PostgreSQL user password",
  inputsSchema: postgresInputsSchema,
  ...sqlMetaCommon,
  fields: sqlFields({ defaultPort: 5432, defaultDatabase: "postgres" }),
  // libpq's variables, which psql and most PostgreSQL drivers read.
  credentialFormats: sqlCredentialFormats({
    scheme: "postgresql",
    tlsQuery: { disable: "sslmode=disable", require: "sslmode=require", "verify-full": "sslmode=verify-full" },
    env: {
      host: "PGHOST",
      port: "PGPORT",
      database: "PGDATABASE",
      user: "PGUSER",
      password: "PGPASSWORD",
      tls: { name: "PGSSLMODE", values: { disable: "disable", require: "require", "verify-full": "verify-full" } },
    },
  }),
};
