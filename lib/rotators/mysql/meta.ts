/** What the UI and the server know about the `mysql` type without running it (client-safe). */
import type { RotatorMeta } from "../types";
import { sqlCredentialFormats, sqlFields, sqlMetaCommon } from "../sql/meta";
import { mysqlInputsSchema, type MysqlInputs } from "./inputs";

export const mysqlMeta: RotatorMeta<MysqlInputs> = {
  type: "mysql",
  label: "MySQL / MariaDB user password",
  inputsSchema: mysqlInputsSchema,
  ...sqlMetaCommon,
  fields: [...sqlFields({ defaultPort: 3306 }), { path: "userHost", label: "Users' host part", kind: "text", defaultValue: "%", hint: "'user'@'host'" }],
  // The mysql client reads MYSQL_HOST, MYSQL_TCP_PORT and MYSQL_PWD; MYSQL_USER and MYSQL_DATABASE are the usual
  // names applications and images read for the rest (the client itself has no variable for them).
  credentialFormats: sqlCredentialFormats({
    scheme: "mysql",
    tlsQuery: { disable: "ssl-mode=DISABLED", require: "ssl-mode=REQUIRED", "verify-full": "ssl-mode=VERIFY_IDENTITY" },
    env: { host: "MYSQL_HOST", port: "MYSQL_TCP_PORT", database: "MYSQL_DATABASE", user: "MYSQL_USER", password: "MYSQL_PWD" },
  }),
};
