/**
 * The direct connection for every SQL dialect, by id: what the aws-lambda connector's handler runs inside the
 * VPC (connector/handler), where a request names its dialect. Typed as a Record so a new dialect fails the
 * build until it is registered here. (Each SQL rotator connects directly with its own dialect only.)
 */
import type { DatabaseDialect } from "./sql/connector";
import type { SqlDialect } from "./sql/dialect";
import { createDirectConnector } from "./sql/direct";
import { mysqlDialect } from "./mysql/dialect";
import { postgresDialect } from "./postgres/dialect";

const SQL_DIALECTS: Record<DatabaseDialect, SqlDialect> = {
  postgres: postgresDialect,
  mysql: mysqlDialect,
};

export const directConnector = createDirectConnector(SQL_DIALECTS);
