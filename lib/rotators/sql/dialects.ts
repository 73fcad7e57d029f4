import type { DatabaseDialect } from "./connector";
import type { SqlDialect } from "./dialect";
import { mysqlDialect } from "./mysql";
import { postgresDialect } from "./postgres";

/** Typed as a Record so a new dialect fails the build until it has an implementation. */
export const dialects: Record<DatabaseDialect, SqlDialect> = {
  postgres: postgresDialect,
  mysql: mysqlDialect,
};
