/**
 * All configuration, parsed once from the environment with zod. Every variable is documented in
 * `.env.example`. Nothing else in Rotor reads `process.env` for its own settings (the AWS SDK reads its
 * standard `AWS_*` variables itself).
 *
 * Every setting may instead be read from a file: `ROTOR_MASTER_KEY_FILE=/run/secrets/master-key` (Docker and
 * Kubernetes secrets are mounted as files, so a secret never has to sit in the process environment).
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { z } from "zod";

export const ROLES = ["admin", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value && value.trim() !== "" ? value.trim() : undefined));

/** As for every local account (lib/validation/users.ts PASSWORD_MIN_LENGTH). */
const ADMIN_PASSWORD_MIN_LENGTH = 12;

const settingsSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number({ message: "PORT must be a port number (1-65535)" }).int().min(1, "PORT must be a port number (1-65535)").max(65535, "PORT must be a port number (1-65535)").default(3000),
  ROTOR_PUBLIC_URL: optionalString.pipe(z.url({ message: "ROTOR_PUBLIC_URL must be an absolute URL such as https://rotor.example.com" }).optional()),
  ROTOR_DATA_DIR: optionalString,
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must start with postgres:// or postgresql://")
      .optional(),
  ),
  ROTOR_MASTER_KEY: optionalString,
  ROTOR_MASTER_KEY_PREVIOUS: optionalString,
  AUTH_SECRET: optionalString,
  // The first admin for headless installs (compose, Kubernetes), created at start while there is no user.
  // The password is best given as ROTOR_ADMIN_PASSWORD_FILE (every setting may come from a file).
  ROTOR_ADMIN_EMAIL: optionalString.pipe(z.email({ message: "ROTOR_ADMIN_EMAIL must be an email address" }).optional()),
  ROTOR_ADMIN_PASSWORD: z
    .string()
    .min(ADMIN_PASSWORD_MIN_LENGTH, `The first admin's password (ROTOR_ADMIN_PASSWORD) must have at least ${ADMIN_PASSWORD_MIN_LENGTH} characters`)
    .optional(),
  // Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges, comma-separated); none by default.
  ROTOR_TRUSTED_PROXIES: optionalString,
  // Sign-in throttling (lib/auth/sign-in-throttle.ts) and the bound on concurrent password hashing.
  ROTOR_SIGNIN_LOCK_MINUTES: z.coerce.number({ message: "ROTOR_SIGNIN_LOCK_MINUTES must be 1-1440" }).int().min(1, "ROTOR_SIGNIN_LOCK_MINUTES must be 1-1440").max(1440, "ROTOR_SIGNIN_LOCK_MINUTES must be 1-1440").default(15),
  ROTOR_SIGNIN_HASH_CONCURRENCY: z.coerce.number({ message: "ROTOR_SIGNIN_HASH_CONCURRENCY must be 1-64" }).int().min(1, "ROTOR_SIGNIN_HASH_CONCURRENCY must be 1-64").max(64, "ROTOR_SIGNIN_HASH_CONCURRENCY must be 1-64").optional(),
  ROTOR_SETUP_TOKEN_TTL_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(24 * 60),
  ROTOR_OIDC_ISSUER: optionalString.pipe(z.url({ message: "ROTOR_OIDC_ISSUER must be the identity provider's issuer URL" }).optional()),
  ROTOR_OIDC_CLIENT_ID: optionalString,
  ROTOR_OIDC_CLIENT_SECRET: optionalString,
  ROTOR_OIDC_NAME: z.string().default("Single sign-on"),
  ROTOR_OIDC_SCOPES: z.string().trim().default("openid email profile"),
  ROTOR_OIDC_DEFAULT_ROLE: z.enum(ROLES).default("viewer"),
  ROTOR_OIDC_ROLE_CLAIM: optionalString,
  ROTOR_OIDC_ROLE_MAP: optionalString,
  ROTOR_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"], { message: "ROTOR_LOG_LEVEL must be debug, info, warn or error" }).default("info"),
  ROTOR_LOG_FORMAT: z.enum(["text", "json"], { message: "ROTOR_LOG_FORMAT must be text or json" }).default("text"),
  // --- Rotor as an OIDC issuer for AWS logins (lib/aws-logins) ---
  ROTOR_ISSUER_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60, "ROTOR_ISSUER_TOKEN_TTL_SECONDS must be 60-3600").max(3600, "ROTOR_ISSUER_TOKEN_TTL_SECONDS must be 60-3600").default(300),
  ROTOR_ISSUER_KEY_ROTATION_DAYS: z.coerce.number().int().min(1, "ROTOR_ISSUER_KEY_ROTATION_DAYS must be 1-365").max(365, "ROTOR_ISSUER_KEY_ROTATION_DAYS must be 1-365").default(30),
  // --- schedules, retries, notifications, metrics (lib/schedules, lib/webhooks) ---
  ROTOR_SCHEDULER: z.enum(["on", "off"], { message: "ROTOR_SCHEDULER must be on or off" }).default("on"),
  ROTOR_SCHEDULER_CONCURRENCY: z.coerce.number().int().min(1, "ROTOR_SCHEDULER_CONCURRENCY must be 1-64").max(64, "ROTOR_SCHEDULER_CONCURRENCY must be 1-64").default(4),
  ROTOR_SCHEDULER_POLL_SECONDS: z.coerce.number().min(0.1, "ROTOR_SCHEDULER_POLL_SECONDS must be 0.1-300").max(300, "ROTOR_SCHEDULER_POLL_SECONDS must be 0.1-300").default(5),
  ROTOR_SCHEDULE_MIN_INTERVAL_MINUTES: z.coerce.number().int().min(1, "ROTOR_SCHEDULE_MIN_INTERVAL_MINUTES must be at least 1").max(366 * 24 * 60).default(60),
  ROTOR_RETRY_MAX: z.coerce.number().int().min(0, "ROTOR_RETRY_MAX must be 0-20").max(20, "ROTOR_RETRY_MAX must be 0-20").default(3),
  ROTOR_RETRY_BASE_SECONDS: z.coerce.number().min(0.1).max(24 * 3600).default(60),
  ROTOR_RETRY_MAX_DELAY_SECONDS: z.coerce.number().min(0.1).max(7 * 24 * 3600).default(3600),
  ROTOR_OVERDUE_GRACE_MINUTES: z.coerce.number().min(0.1).max(7 * 24 * 60).default(15),
  ROTOR_SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  // How long a rotator's or schedule's lease outlives the process holding it (renewed every third of it).
  ROTOR_LEASE_SECONDS: z.coerce.number({ message: "ROTOR_LEASE_SECONDS must be 3-3600" }).min(3, "ROTOR_LEASE_SECONDS must be 3-3600").max(3600, "ROTOR_LEASE_SECONDS must be 3-3600").default(120),
  // Names this Rotor process in the leases it takes, so that its next start recognises what it left.
  ROTOR_INSTANCE_ID: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, "ROTOR_INSTANCE_ID may contain only letters, digits, '.', '_', ':' and '-' (at most 100)")
      .optional(),
  ),
  // Audit checkpoints (lib/audit/checkpoint.ts): at each this many events, and at least this often.
  ROTOR_AUDIT_CHECKPOINT_EVENTS: z.coerce.number({ message: "ROTOR_AUDIT_CHECKPOINT_EVENTS must be 1-1000000" }).int().min(1, "ROTOR_AUDIT_CHECKPOINT_EVENTS must be 1-1000000").max(1_000_000, "ROTOR_AUDIT_CHECKPOINT_EVENTS must be 1-1000000").default(1000),
  ROTOR_AUDIT_CHECKPOINT_MINUTES: z.coerce.number({ message: "ROTOR_AUDIT_CHECKPOINT_MINUTES must be 1-10080" }).int().min(1, "ROTOR_AUDIT_CHECKPOINT_MINUTES must be 1-10080").max(10080, "ROTOR_AUDIT_CHECKPOINT_MINUTES must be 1-10080").default(60),
  ROTOR_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1, "ROTOR_WEBHOOK_MAX_ATTEMPTS must be 1-20").max(20, "ROTOR_WEBHOOK_MAX_ATTEMPTS must be 1-20").default(6),
  ROTOR_WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().min(1).max(120).default(10),
  ROTOR_WEBHOOK_SECRET_OVERLAP_HOURS: z.coerce.number({ message: "ROTOR_WEBHOOK_SECRET_OVERLAP_HOURS must be 0-720" }).min(0, "ROTOR_WEBHOOK_SECRET_OVERLAP_HOURS must be 0-720").max(720, "ROTOR_WEBHOOK_SECRET_OVERLAP_HOURS must be 0-720").default(24),
  ROTOR_REVISION_RETENTION_DAYS: z.coerce.number({ message: "ROTOR_REVISION_RETENTION_DAYS must be 0 (keep all) or 1-36500" }).int("ROTOR_REVISION_RETENTION_DAYS must be a whole number of days").min(0, "ROTOR_REVISION_RETENTION_DAYS must be 0 (keep all) or 1-36500").max(36500, "ROTOR_REVISION_RETENTION_DAYS must be 0 (keep all) or 1-36500").default(0),
  ROTOR_METRICS_TOKEN: optionalString.pipe(z.string().min(16, "ROTOR_METRICS_TOKEN must be at least 16 characters (e.g. openssl rand -hex 24)").optional()),
});

const envSchema = settingsSchema.superRefine((env, ctx) => {
  const oidc = [env.ROTOR_OIDC_ISSUER, env.ROTOR_OIDC_CLIENT_ID, env.ROTOR_OIDC_CLIENT_SECRET];
  if (oidc.some(Boolean) && !oidc.every(Boolean)) {
    ctx.addIssue({
      code: "custom",
      path: ["ROTOR_OIDC_ISSUER"],
      message: "Single sign-on needs all three of ROTOR_OIDC_ISSUER, ROTOR_OIDC_CLIENT_ID and ROTOR_OIDC_CLIENT_SECRET",
    });
  }
  if (Boolean(env.ROTOR_ADMIN_EMAIL) !== Boolean(env.ROTOR_ADMIN_PASSWORD)) {
    ctx.addIssue({
      code: "custom",
      path: [env.ROTOR_ADMIN_EMAIL ? "ROTOR_ADMIN_PASSWORD" : "ROTOR_ADMIN_EMAIL"],
      message: "The first admin needs both ROTOR_ADMIN_EMAIL and ROTOR_ADMIN_PASSWORD (or ROTOR_ADMIN_PASSWORD_FILE)",
    });
  }
  if (env.DATABASE_URL && !env.ROTOR_MASTER_KEY) {
    ctx.addIssue({
      code: "custom",
      path: ["ROTOR_MASTER_KEY"],
      message:
        "ROTOR_MASTER_KEY is required with DATABASE_URL (every Rotor instance sharing the database needs the same key). Generate one with: openssl rand -base64 32",
    });
  }
  if (env.ROTOR_TRUSTED_PROXIES) {
    try {
      parseTrustedProxies(env.ROTOR_TRUSTED_PROXIES);
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["ROTOR_TRUSTED_PROXIES"], message: (error as Error).message });
    }
  }
  if (env.ROTOR_OIDC_ROLE_MAP) {
    try {
      parseRoleMap(env.ROTOR_OIDC_ROLE_MAP);
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["ROTOR_OIDC_ROLE_MAP"], message: (error as Error).message });
    }
  }
});

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  /** Space-separated; add e.g. `groups` for providers that release the group claim only under that scope. */
  scopes: string;
  defaultRole: Role;
  roleClaim?: string;
  roleMap: Record<string, Role>;
}

export interface Env {
  nodeEnv: "development" | "production" | "test";
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl?: string;
  masterKey?: string;
  previousMasterKeys: string[];
  authSecret?: string;
  /** The first admin to create at start when no user exists (headless installs); ignored once users exist. */
  bootstrapAdmin?: { email: string; password: string };
  setupTokenTtlMinutes: number;
  /** Addresses and CIDR ranges of reverse proxies whose X-Forwarded-For is believed (lib/auth/request-ip.ts). */
  trustedProxies: string[];
  /** lockMinutes: how long too many failed sign-ins lock an account or address; hashConcurrency: password
   *  hashes computed at once by this process (default: half the CPUs, at least one). */
  signIn: { lockMinutes: number; hashConcurrency: number };
  oidc?: OidcConfig;
  logLevel: "debug" | "info" | "warn" | "error";
  /** text: one readable line per message; json: one JSON object per line (for log collectors). */
  logFormat: "text" | "json";
  /** Rotor as an OIDC issuer for AWS logins: lifetime of the tokens it signs, and of each signing key. */
  issuer: { tokenTtlSeconds: number; keyRotationDays: number };
  scheduler: SchedulerEnv;
  /** This process's owner id in leases (ROTOR_INSTANCE_ID, default the host name): lib/rotation/lease-owner.ts. */
  instanceId?: string;
  /** secretOverlapHours: how long a renewed webhook secret's predecessor keeps signing beside it. */
  webhooks: { maxAttempts: number; timeoutMs: number; secretOverlapHours: number };
  /** Audit checkpoints: taken at each `checkpointEveryEvents` events and at least every `checkpointEveryMinutes`. */
  audit: { checkpointEveryEvents: number; checkpointEveryMinutes: number };
  /** Bearer token for /api/metrics; the endpoint refuses every request while unset. */
  metricsToken?: string;
  /** How many days environment revisions are kept (the current one always is); 0 keeps them all. */
  revisionRetentionDays: number;
}

export interface SchedulerEnv {
  /** Whether the Next.js server runs the scheduler in process (workers always do). */
  enabled: boolean;
  concurrency: number;
  pollMs: number;
  minIntervalMs: number;
  retry: { maxRetries: number; baseDelayMs: number; maxDelayMs: number };
  overdueGraceMs: number;
  shutdownGraceMs: number;
  /** Rotator and schedule leases (ROTOR_LEASE_SECONDS). */
  leaseMs: number;
}

/**
 * `10.0.0.1, 10.1.0.0/16, ::1` — IP addresses or CIDR ranges. Refused when an entry is neither, so a typo
 * cannot silently leave every proxy untrusted (or trust what was not meant).
 */
export function parseTrustedProxies(text: string): string[] {
  const entries = text.split(",").map((p) => p.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split("/");
    const family = net.isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !okBits || extra !== undefined) {
      throw new Error(`ROTOR_TRUSTED_PROXIES entry "${entry}" must be an IP address or a CIDR range such as 10.0.0.0/8`);
    }
  }
  return entries;
}

/** `group=role` pairs separated by commas, e.g. `rotor-admins=admin,sre=operator`. */
export function parseRoleMap(text: string): Record<string, Role> {
  const map: Record<string, Role> = {};
  for (const pair of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [value, role] = pair.split("=").map((p) => p.trim());
    if (!value || !role || !(ROLES as readonly string[]).includes(role)) {
      throw new Error(`ROTOR_OIDC_ROLE_MAP entry "${pair}" must look like claimValue=admin|operator|viewer`);
    }
    map[value] = role as Role;
  }
  return map;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Every setting Rotor reads (each may also be given as NAME_FILE). */
export const SETTING_NAMES = Object.keys(settingsSchema.shape);

/**
 * `NAME_FILE=/path` stands for `NAME=<the file's content>` (one trailing line break removed), for every
 * setting. Setting both is refused rather than guessing which one was meant; an unreadable file is named with
 * the reason, never its content.
 */
export function readSettingFiles(source: Record<string, string | undefined>): { values: Record<string, string | undefined>; problems: string[] } {
  const values = { ...source };
  const problems: string[] = [];
  for (const name of SETTING_NAMES) {
    const file = source[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (source[name]?.trim()) {
      problems.push(`  ${name}: set either ${name} or ${name}_FILE, not both`);
      continue;
    }
    try {
      values[name] = fs.readFileSync(/*turbopackIgnore: true*/ file, "utf8").replace(/\r?\n$/, "");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "error";
      problems.push(`  ${name}_FILE: cannot read ${file} (${code}); mount the file or unset ${name}_FILE`);
    }
  }
  return { values, problems };
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const files = readSettingFiles(source);
  const result = envSchema.safeParse(files.values);
  if (!result.success || files.problems.length > 0) {
    const lines = [...files.problems, ...(result.error?.issues ?? []).map((issue) => `  ${issue.path.join(".") || "config"}: ${issue.message}`)];
    throw new ConfigError(`Rotor cannot start: invalid configuration\n${lines.join("\n")}`);
  }
  const env = result.data;
  const dataDir = path.resolve(/*turbopackIgnore: true*/ env.ROTOR_DATA_DIR ?? "./data");
  return {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    publicUrl: (env.ROTOR_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
    dataDir,
    databaseUrl: env.DATABASE_URL,
    masterKey: env.ROTOR_MASTER_KEY,
    previousMasterKeys: (env.ROTOR_MASTER_KEY_PREVIOUS ?? "").split(",").map((k) => k.trim()).filter(Boolean),
    authSecret: env.AUTH_SECRET,
    bootstrapAdmin: env.ROTOR_ADMIN_EMAIL && env.ROTOR_ADMIN_PASSWORD ? { email: env.ROTOR_ADMIN_EMAIL.toLowerCase(), password: env.ROTOR_ADMIN_PASSWORD } : undefined,
    setupTokenTtlMinutes: env.ROTOR_SETUP_TOKEN_TTL_MINUTES,
    trustedProxies: env.ROTOR_TRUSTED_PROXIES ? parseTrustedProxies(env.ROTOR_TRUSTED_PROXIES) : [],
    signIn: {
      lockMinutes: env.ROTOR_SIGNIN_LOCK_MINUTES,
      hashConcurrency: env.ROTOR_SIGNIN_HASH_CONCURRENCY ?? Math.max(1, Math.floor(os.availableParallelism() / 2)),
    },
    oidc:
      env.ROTOR_OIDC_ISSUER && env.ROTOR_OIDC_CLIENT_ID && env.ROTOR_OIDC_CLIENT_SECRET
        ? {
            issuer: env.ROTOR_OIDC_ISSUER,
            clientId: env.ROTOR_OIDC_CLIENT_ID,
            clientSecret: env.ROTOR_OIDC_CLIENT_SECRET,
            name: env.ROTOR_OIDC_NAME,
            scopes: env.ROTOR_OIDC_SCOPES.includes("openid") ? env.ROTOR_OIDC_SCOPES : `openid ${env.ROTOR_OIDC_SCOPES}`,
            defaultRole: env.ROTOR_OIDC_DEFAULT_ROLE,
            roleClaim: env.ROTOR_OIDC_ROLE_CLAIM,
            roleMap: env.ROTOR_OIDC_ROLE_MAP ? parseRoleMap(env.ROTOR_OIDC_ROLE_MAP) : {},
          }
        : undefined,
    logLevel: env.ROTOR_LOG_LEVEL,
    logFormat: env.ROTOR_LOG_FORMAT,
    issuer: { tokenTtlSeconds: env.ROTOR_ISSUER_TOKEN_TTL_SECONDS, keyRotationDays: env.ROTOR_ISSUER_KEY_ROTATION_DAYS },
    scheduler: {
      enabled: env.ROTOR_SCHEDULER === "on",
      concurrency: env.ROTOR_SCHEDULER_CONCURRENCY,
      pollMs: Math.round(env.ROTOR_SCHEDULER_POLL_SECONDS * 1000),
      minIntervalMs: env.ROTOR_SCHEDULE_MIN_INTERVAL_MINUTES * 60_000,
      retry: {
        maxRetries: env.ROTOR_RETRY_MAX,
        baseDelayMs: Math.round(env.ROTOR_RETRY_BASE_SECONDS * 1000),
        maxDelayMs: Math.round(env.ROTOR_RETRY_MAX_DELAY_SECONDS * 1000),
      },
      overdueGraceMs: Math.round(env.ROTOR_OVERDUE_GRACE_MINUTES * 60_000),
      shutdownGraceMs: Math.round(env.ROTOR_SHUTDOWN_GRACE_SECONDS * 1000),
      leaseMs: Math.round(env.ROTOR_LEASE_SECONDS * 1000),
    },
    instanceId: env.ROTOR_INSTANCE_ID,
    audit: { checkpointEveryEvents: env.ROTOR_AUDIT_CHECKPOINT_EVENTS, checkpointEveryMinutes: env.ROTOR_AUDIT_CHECKPOINT_MINUTES },
    webhooks: {
      maxAttempts: env.ROTOR_WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: Math.round(env.ROTOR_WEBHOOK_TIMEOUT_SECONDS * 1000),
      secretOverlapHours: env.ROTOR_WEBHOOK_SECRET_OVERLAP_HOURS,
    },
    metricsToken: env.ROTOR_METRICS_TOKEN,
    revisionRetentionDays: env.ROTOR_REVISION_RETENTION_DAYS,
  };
}

let cached: Env | undefined;

/** The process configuration, parsed on first use. Throws ConfigError with every problem listed. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
