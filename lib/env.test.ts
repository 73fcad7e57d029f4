import { describe, expect, it } from "vitest";
import { parseEnv, parseRoleMap } from "./env";

describe("configuration", () => {
  it("defaults to the embedded store in ./data on port 3000", () => {
    const env = parseEnv({});
    expect(env.port).toBe(3000);
    expect(env.dataDir).toMatch(/\/data$/);
    expect(env.databaseUrl).toBeUndefined();
    expect(env.publicUrl).toBe("http://localhost:3000");
  });

  it("lists every problem with what to do", () => {
    const attempt = () => parseEnv({ DATABASE_URL: "mysql://x", PORT: "99999", ROTOR_OIDC_ISSUER: "https://idp.example.com" });
    expect(attempt).toThrow(/DATABASE_URL must start with postgres:\/\//);
    expect(attempt).toThrow(/PORT: PORT must be a port number/);
    expect(attempt).toThrow(/needs all three of ROTOR_OIDC_ISSUER, ROTOR_OIDC_CLIENT_ID and ROTOR_OIDC_CLIENT_SECRET/);
  });

  it("requires a master key when the store is a shared PostgreSQL", () => {
    expect(() => parseEnv({ DATABASE_URL: "postgres://u@h/db" })).toThrow(/ROTOR_MASTER_KEY is required with DATABASE_URL/);
  });

  it("parses the SSO role map and rejects unknown roles", () => {
    expect(parseRoleMap("rotor-admins=admin, sre=operator")).toEqual({ "rotor-admins": "admin", sre: "operator" });
    expect(() => parseEnv({ ROTOR_OIDC_ROLE_MAP: "x=root" })).toThrow(/x=root/);
  });
});
