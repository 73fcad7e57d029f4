/** What the UI and the server know about the `mysql` type without running it (client-safe). */
import type { RotatorMeta } from "../types";
import { sqlCredentialSchema, sqlSecretInputPaths } from "../sql/inputs";
import { sqlFields, sqlImportFields } from "../sql/meta";
import { mysqlInputsSchema, type MysqlInputs } from "./inputs";

export const mysqlMeta: RotatorMeta<MysqlInputs> = {
  type: "mysql",
  label: "MySQL / MariaDB user password",
  inputsSchema: mysqlInputsSchema,
  secretInputPaths: sqlSecretInputPaths,
  secretCredentialKeys: ["password"],
  credentialSchema: sqlCredentialSchema,
  binding: { kind: "connector" },
  fields: [...sqlFields({ defaultPort: 3306 }), { path: "userHost", label: "Users' host part", kind: "text", defaultValue: "%", hint: "'user'@'host'" }],
  importFields: sqlImportFields,
};
