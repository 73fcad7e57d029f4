import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseEnv, parseRoleMap } from "./env";

const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-env-files-"));
afterAll(() => fs.rmSync(secretsDir, { recursive: true, force: true }));

function secretFile(name: string, content: string): string {
  const file = path.join(secretsDir, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

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

  it("reads the lease length and the instance id, refusing what cannot work", () => {
    expect(parseEnv({})).toMatchObject({ scheduler: { leaseMs: 120_000 }, instanceId: undefined });
    expect(parseEnv({ ROTOR_LEASE_SECONDS: "30", ROTOR_INSTANCE_ID: "web-1" })).toMatchObject({ scheduler: { leaseMs: 30_000 }, instanceId: "web-1" });
    expect(() => parseEnv({ ROTOR_LEASE_SECONDS: "1" })).toThrow(/ROTOR_LEASE_SECONDS must be 3-3600/);
    expect(() => parseEnv({ ROTOR_INSTANCE_ID: "a/b" })).toThrow(/ROTOR_INSTANCE_ID may contain only/);
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
      expect(() => parseEnv({ ROTOR_ADMIN_EMAIL: "a@example.com", ROTOR_ADMIN_PASSWORD_FILE: path.join(dir, "missing") })).toThrow(/ROTOR_ADMIN_PASSWORD_FILE: cannot read .* \(ENOENT\)/);
      expect(() => parseEnv({ ROTOR_ADMIN_EMAIL: "not-an-email", ROTOR_ADMIN_PASSWORD: "long-enough-password" })).toThrow(/ROTOR_ADMIN_EMAIL must be an email address/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads any setting from NAME_FILE, as Docker and Kubernetes secrets are mounted", () => {
    const key = Buffer.alloc(32, 9).toString("base64");
    const env = parseEnv({
      DATABASE_URL_FILE: secretFile("database-url", "postgres://rotor:s3cret@db:5432/rotor\n"),
      ROTOR_MASTER_KEY_FILE: secretFile("master-key", `${key}\n`),
      ROTOR_METRICS_TOKEN_FILE: secretFile("metrics-token", "metrics-token-0123456789abcdef"),
      ROTOR_LOG_FORMAT_FILE: secretFile("log-format", "json\n"),
    });
    expect(env.databaseUrl).toBe("postgres://rotor:s3cret@db:5432/rotor");
    expect(env.masterKey).toBe(key);
    expect(env.metricsToken).toBe("metrics-token-0123456789abcdef");
    expect(env.logFormat).toBe("json");
  });

  it("validates a value read from a file like one set directly", () => {
    expect(() => parseEnv({ ROTOR_METRICS_TOKEN_FILE: secretFile("short-token", "short\n") })).toThrow(/ROTOR_METRICS_TOKEN must be at least 16 characters/);
  });

  it("refuses NAME together with NAME_FILE, and names an unreadable file without its content", () => {
    const file = secretFile("auth-secret", "file-secret-value");
    expect(() => parseEnv({ AUTH_SECRET: "direct-value", AUTH_SECRET_FILE: file })).toThrow(/AUTH_SECRET: set either AUTH_SECRET or AUTH_SECRET_FILE, not both/);
    const missing = path.join(secretsDir, "no-such-file");
    const attempt = () => parseEnv({ ROTOR_MASTER_KEY_FILE: missing, ROTOR_OIDC_CLIENT_SECRET_FILE: file });
    expect(attempt).toThrow(`ROTOR_MASTER_KEY_FILE: cannot read ${missing} (ENOENT)`);
    // The other problem (SSO half configured) is still listed, and the secret read from the file is not.
    expect(attempt).toThrow(/needs all three of ROTOR_OIDC_ISSUER/);
    expect(attempt).not.toThrow(/file-secret-value/);
  });

  it("accepts text and json log formats only", () => {
    expect(parseEnv({}).logFormat).toBe("text");
    expect(() => parseEnv({ ROTOR_LOG_FORMAT: "xml" })).toThrow(/ROTOR_LOG_FORMAT must be text or json/);
  });
});
