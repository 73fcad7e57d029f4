import { describe, expect, it } from "vitest";
import { describeInputIssues, labelInputMessage, ROTATOR_META } from "./meta";
import { ROTATOR_TYPES } from "./types";

describe("input errors worded with the form's labels", () => {
  it("names fields as the form labels them", () => {
    const missing = describeInputIssues("postgres", ROTATOR_META.postgres.inputsSchema.safeParse({ host: "db", username1: "app", username2: "other", managing: { username: "rotor" } }).error!.issues);
    expect(missing.fieldErrors["managing.password"]).toBe("Managing password is required");
    expect(missing.summary).toBe("Managing password is required");
    const same = describeInputIssues("postgres", ROTATOR_META.postgres.inputsSchema.safeParse({ host: "db", username1: "app", username2: "app", managing: { username: "rotor", password: "pw" } }).error!.issues);
    expect(same.fieldErrors.username2).toBe("User 2 must be a different user from User 1");
    const region = describeInputIssues("aws-iam", ROTATOR_META["aws-iam"].inputsSchema.safeParse({ region: "nowhere", userName: "app" }).error!.issues);
    expect(region.summary).toMatch(/^Region: Not an AWS region name/);
    expect(labelInputMessage("mysql", "passwordRules.length", "length must be at least 8")).toBe("Password length must be at least 8");
    expect(labelInputMessage("postgres", "port", "port must be between 1 and 65535")).toBe("Port must be between 1 and 65535");
  });

  it("leaves no labelled field's input path in any message of any type", () => {
    const hostile = { host: "x:1", port: 0, length: 1, separator: "ab", digits: -1, database: "", managing: { username: "", password: "" }, username1: "", username2: "", userHost: "", region: "nowhere", userName: "", login: { kind: "static", accessKeyId: "x", secretAccessKey: "" }, verifyTimeoutSeconds: 0, passwordRules: { length: 2, minSymbols: -1, specials: "a" } };
    for (const type of ROTATOR_TYPES) {
      const meta = ROTATOR_META[type];
      const parsed = meta.inputsSchema.safeParse(hostile);
      expect(parsed.success, type).toBe(false);
      const { fieldErrors } = describeInputIssues(type, parsed.error!.issues);
      for (const [path, message] of Object.entries(fieldErrors)) {
        // Paths that cannot be prose (a dot, a digit, camelCase) never remain; a plain word only as the subject.
        for (const field of meta.fields.filter((f) => /[.\d]|[a-z][A-Z]/.test(f.path))) expect(message, `${type} ${path}`).not.toContain(field.path);
        const own = meta.fields.find((f) => f.path === path);
        if (own) expect(message, `${type} ${path}`).not.toMatch(new RegExp(`^${path.split(".").pop()}\\b`));
        expect(message.charAt(0), `${type} ${path}: ${message}`).toMatch(/[A-Z]/);
      }
    }
  });
});

describe("copying a SQL credential", () => {
  const format = (type: "postgres" | "mysql", label: string, inputs: Record<string, unknown>, credential = { username: "app one", password: "p@ss:w/rd'%" }) =>
    ROTATOR_META[type].credentialFormats!.find((f) => f.label === label)!.format({ credential, inputs });

  it("builds connection strings clients parse back to the same user, password, host and TLS mode", () => {
    const pg = new URL(format("postgres", "Connection string", { host: "db.internal", port: 5433, database: "app db", tls: { mode: "verify-full" } }));
    expect([pg.protocol, decodeURIComponent(pg.username), decodeURIComponent(pg.password), pg.hostname, pg.port, decodeURIComponent(pg.pathname)]).toEqual(["postgresql:", "app one", "p@ss:w/rd'%", "db.internal", "5433", "/app db"]);
    expect(pg.searchParams.get("sslmode")).toBe("verify-full");
    const mysql = format("mysql", "Connection string", { host: "::1", port: 3306, tls: { mode: "disable" } });
    expect(mysql).toMatch(/^mysql:\/\/app%20one:[^@]+@\[::1\]:3306\/\?ssl-mode=DISABLED$/);
  });

  it("writes environment lines a shell reads back unchanged", () => {
    const lines = format("postgres", "Environment lines", { host: "db", port: 5432, database: "postgres", tls: { mode: "require" } });
    expect(lines).toBe("PGHOST=db\nPGPORT=5432\nPGDATABASE=postgres\nPGUSER='app one'\nPGPASSWORD='p@ss:w/rd'\\''%'\nPGSSLMODE=require");
    expect(format("mysql", "Username and password", {})).toBe("username: app one\npassword: p@ss:w/rd'%");
  });
});
