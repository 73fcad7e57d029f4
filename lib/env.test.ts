import fs from "node:fs";
import os from "node:os";
import path from "node:path";
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

  it("reads the first admin for headless installs from the variables or a file, and refuses half of it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-env-"));
    try {
      const file = path.join(dir, "admin_password");
      fs.writeFileSync(file, "from-a-file-secret\n");
      expect(parseEnv({ ROTOR_ADMIN_EMAIL: "Admin@Example.com", ROTOR_ADMIN_PASSWORD_FILE: file }).bootstrapAdmin).toEqual({ email: "admin@example.com", password: "from-a-file-secret" });
      expect(parseEnv({ ROTOR_ADMIN_EMAIL: "a@example.com", ROTOR_ADMIN_PASSWORD: "long-enough-password" }).bootstrapAdmin?.password).toBe("long-enough-password");
      expect(parseEnv({}).bootstrapAdmin).toBeUndefined();
      expect(() => parseEnv({ ROTOR_ADMIN_EMAIL: "a@example.com" })).toThrow(/needs both ROTOR_ADMIN_EMAIL and ROTOR_ADMIN_PASSWORD/);
      expect(() => parseEnv({ ROTOR_ADMIN_PASSWORD: "long-enough-password" })).toThrow(/ROTOR_ADMIN_EMAIL: The first admin needs both/);
      expect(() => parseEnv({ ROTOR_ADMIN_EMAIL: "a@example.com", ROTOR_ADMIN_PASSWORD: "short" })).toThrow(/at least 12 characters/);
      expect(() => parseEnv({ ROTOR_ADMIN_EMAIL: "a@example.com", ROTOR_ADMIN_PASSWORD_FILE: path.join(dir, "missing") })).toThrow(/ROTOR_ADMIN_PASSWORD_FILE .* cannot be read \(ENOENT\)/);
      expect(() => parseEnv({ ROTOR_ADMIN_EMAIL: "not-an-email", ROTOR_ADMIN_PASSWORD: "long-enough-password" })).toThrow(/ROTOR_ADMIN_EMAIL must be an email address/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
