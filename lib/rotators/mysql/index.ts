/**
 * `mysql`: two MySQL/MariaDB accounts ('user'@'userHost') take turns (see ../sql/two-user-rotator.ts).
 */
import { createTwoUserRotator } from "../sql/two-user-rotator";
import type { RotatorDefinition } from "../types";
import { mysqlDialect } from "./dialect";
import type { MysqlInputs } from "./inputs";
import { mysqlMeta } from "./meta";

export const mysqlRotator: RotatorDefinition<MysqlInputs> = createTwoUserRotator(mysqlMeta, mysqlDialect);
