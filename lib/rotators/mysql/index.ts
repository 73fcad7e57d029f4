/**
 * `mysql`: two MySQL/MariaDB accounts ('user'@'userHost') take turns (see ../sql/two-user-rotator.ts).
 */
import { mysqlInputsSchema, type MysqlInputs } from "../sql/inputs";
import { createTwoUserRotator } from "../sql/two-user-rotator";
import type { RotatorDefinition } from "../types";

export { mysqlInputsSchema, type MysqlInputs } from "../sql/inputs";

export const mysqlRotator: RotatorDefinition<MysqlInputs> = createTwoUserRotator({
  type: "mysql",
  label: "MySQL / MariaDB user password",
  dialect: "mysql",
  inputsSchema: mysqlInputsSchema,
});
