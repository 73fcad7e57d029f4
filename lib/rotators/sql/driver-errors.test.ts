import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { mapDriverError } from "./driver-errors";
import { mysqlDialect } from "../mysql/dialect";
import { postgresDialect } from "../postgres/dialect";

const connection = { dialect: "mysql" as const, host: "db", port: 3306, tls: { mode: "disable" as const } };

describe("mapDriverError", () => {
  it("drops the statement mysql2 attaches and redacts the password everywhere", () => {
    const secret = "hunter2-very-secret";
    const driverError = Object.assign(new Error(`Something about '${secret}' went wrong`), {
      code: "ER_SOMETHING",
      errno: 9999,
      sqlState: "HY000",
      sql: `ALTER USER 'app'@'%' IDENTIFIED BY '${secret}'`,
    });
    const error = mapDriverError(driverError, { dialect: mysqlDialect, connection, phase: "set-password", secrets: [secret], user: { username: "app" }, managing: "admin" });
    expect(error.code).toBe("target:rejected");
    expect(error.message).toBe("MySQL at db:3306 refused to change the password: Something about '[redacted]' went wrong (ER_SOMETHING 9999).");
    const everything = inspect(error, { depth: 10, showHidden: true });
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain("IDENTIFIED BY");
    expect(error.cause).toMatchObject({ name: "DriverError", code: "ER_SOMETHING", errno: 9999, sqlState: "HY000" });
  });

  it("bounds the driver text it quotes", () => {
    const error = mapDriverError(Object.assign(new Error("x".repeat(5000)), { code: "XX000" }), {
      dialect: postgresDialect,
      connection: { ...connection, dialect: "postgres", port: 5432 },
      phase: "inspect",
      secrets: [],
    });
    expect(error.message.length).toBeLessThan(500);
  });

  it.each([
    ["ENOTFOUND", "host name not found"],
    ["EHOSTUNREACH", "host unreachable"],
    ["ECONNRESET", "connection reset"],
  ])("maps %s to target:unreachable", (code, reason) => {
    const error = mapDriverError(Object.assign(new Error(`connect ${code}`), { code }), { dialect: mysqlDialect, connection, phase: "managing-login", secrets: [] });
    expect(error.code).toBe("target:unreachable");
    expect(error.message).toBe(`Cannot reach MySQL at db:3306 (${reason}). Check host, port and network access.`);
  });

  it("a statement timeout is target:timeout, not unreachable", () => {
    const error = mapDriverError(Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" }), {
      dialect: postgresDialect,
      connection: { ...connection, dialect: "postgres", port: 5432, timeoutMs: 2000 },
      phase: "set-password",
      secrets: [],
    });
    expect(error.code).toBe("target:timeout");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("within 2s");
  });
});
