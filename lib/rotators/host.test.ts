import { describe, expect, it } from "vitest";
import { hostProblem } from "./host";
import { postgresInputsSchema } from "./postgres/inputs";
import { mysqlInputsSchema } from "./mysql/inputs";

describe("host inputs", () => {
  it("accepts host names and IP literals", () => {
    for (const host of ["db", "db.internal", "db-1.eu-west-1.rds.amazonaws.com", "my_db", "db.internal.", "127.0.0.1", "10.0.0.5", "::1", "2001:db8::42", "::ffff:10.0.0.1"]) {
      expect(hostProblem(host), host).toBeNull();
    }
  });

  it("refuses what can never be a host, saying what to type instead", () => {
    const cases: Record<string, RegExp> = {
      "postgres://db.internal:5432/app": /not a URL/,
      "db.internal:5432": /must not include a port: put 5432 in Port/,
      "[::1": /not a valid IPv6 address/,
      "[::1]": /without brackets/,
      "::zz": /not a valid host name or IPv6 address/,
      "db; rm -rf /": /not a path|host name/,
      "$(reboot)": /must be a host name/,
      "db internal": /must be a host name/,
      "-db": /must be a host name/,
      "999.1.1.1": /not a valid IPv4 address/,
      "10.0.0": /not a valid IPv4 address/,
      "/var/run/postgresql": /not a path/,
      [`${"a".repeat(63)}.`.repeat(5)]: /longer than 253/,
      ["a".repeat(64)]: /must be a host name/,
      "db\u0000x": /NUL/,
    };
    for (const [host, problem] of Object.entries(cases)) expect(hostProblem(host), host).toMatch(problem);
  });

  it("is the check both SQL types apply at save time, bounded and without echoing the input", () => {
    const base = { managing: { username: "rotor", password: "pw" }, username1: "a", username2: "b" };
    for (const schema of [postgresInputsSchema, mysqlInputsSchema]) {
      const huge = schema.safeParse({ ...base, host: "h".repeat(900_000) });
      expect(huge.success).toBe(false);
      const messages = huge.error!.issues.map((i) => i.message).join(" ");
      expect(messages).toContain("host is longer than 253 characters");
      expect(messages.length).toBeLessThan(500);
      expect(schema.safeParse({ ...base, host: "db.internal:5432" }).error!.issues[0]).toMatchObject({ path: ["host"], message: "host must not include a port: put 5432 in Port" });
      expect(schema.safeParse({ ...base, host: "db.internal" }).success).toBe(true);
    }
  });

  it("refuses a managing password with a NUL character", () => {
    const parsed = postgresInputsSchema.safeParse({ host: "db", managing: { username: "rotor", password: "pw\u0000" }, username1: "a", username2: "b" });
    expect(parsed.error!.issues[0]).toMatchObject({ path: ["managing", "password"], message: "managing.password must not contain NUL characters" });
  });
});
