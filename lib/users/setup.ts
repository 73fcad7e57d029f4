import "server-only";
/**
 * First-run setup: while no user exists, Rotor keeps a one-time token (only its hash is stored) and prints a
 * setup URL carrying it. The setup page creates the first admin and deletes the token in one transaction.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { env } from "../env";
import type { Db } from "../db/client";
import { countUsers, getUserByEmail, insertUser, lockFirstAdminSetup } from "../db/queries/users";
import { deleteSetting, getSetting, putSetting } from "../db/queries/keys";
import { insertAuditEvent } from "../db/queries/audit";
import { hashPassword } from "../crypto/password-hash";
import { AppError } from "../errors";

const SETTING = "setup_token";

interface StoredToken {
  hash: string;
  expiresAt: string;
}

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** At start: if nobody can sign in yet, issue a fresh setup token and return the URL to print. */
export async function issueSetupTokenIfNeeded({ db }: { db: Db }): Promise<string | null> {
  if ((await countUsers({ db })) > 0) {
    await deleteSetting({ db, key: SETTING });
    return null;
  }
  const token = randomBytes(24).toString("base64url");
  const expiresAt = new Date(Date.now() + env().setupTokenTtlMinutes * 60_000).toISOString();
  await putSetting({ db, key: SETTING, value: { hash: hashToken(token), expiresAt } satisfies StoredToken });
  return `${env().publicUrl}/setup?token=${token}`;
}

export type SetupTokenStatus = "valid" | "missing" | "invalid" | "expired" | "done";

export async function checkSetupToken({ db, token }: { db: Db; token: string | undefined }): Promise<SetupTokenStatus> {
  if ((await countUsers({ db })) > 0) return "done";
  if (!token) return "missing";
  const stored = await getSetting<StoredToken>({ db, key: SETTING });
  if (!stored) return "invalid";
  const a = Buffer.from(hashToken(token), "hex");
  const b = Buffer.from(stored.hash, "hex");
  if (a.length !== b.length || !timingSafeEqual(a, b)) return "invalid";
  if (new Date(stored.expiresAt).getTime() < Date.now()) return "expired";
  return "valid";
}

export const SETUP_STATUS_MESSAGES: Record<Exclude<SetupTokenStatus, "valid">, string> = {
  missing: "Open the setup link that Rotor printed in its log when it started; it carries a one-time token.",
  invalid: "This setup link is not valid. Use the newest link from Rotor's log (each restart prints a new one).",
  expired: "This setup link has expired. Restart Rotor to print a new one.",
  done: "Rotor is already set up — sign in.",
};

export async function completeSetup({
  db,
  token,
  email,
  name,
  password,
  ip,
}: {
  db: Db;
  token: string;
  email: string;
  name: string;
  password: string;
  ip?: string | null;
}) {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    // Two browsers submitting at once must not both create an admin.
    await lockFirstAdminSetup({ tx });
    const status = await checkSetupToken({ db: tx as unknown as Db, token });
    if (status !== "valid") {
      const code = status === "expired" ? "setup:token-expired" : status === "done" ? "setup:done" : "setup:token-invalid";
      throw new AppError(code, SETUP_STATUS_MESSAGES[status]);
    }
    if (await getUserByEmail({ db: tx, email })) throw new AppError("conflict", "A user with this email already exists.");
    const user = await insertUser({ db: tx, user: { email, name, role: "admin", passwordHash, authSource: "local" } });
    await deleteSetting({ db: tx, key: SETTING });
    await insertAuditEvent({
      tx,
      event: {
        actorId: user.id,
        actorLabel: user.email,
        action: "setup.completed",
        targetType: "user",
        targetId: user.id,
        targetLabel: user.email,
        ip,
        details: { role: "admin" },
      },
    });
    return user;
  });
}

/**
 * Headless installs (a script, compose file or chart): ROTOR_ADMIN_EMAIL and ROTOR_ADMIN_PASSWORD create the
 * first admin at start while no user exists. Returns what happened, for the log.
 */
export async function bootstrapAdminIfNeeded({ db, admin }: { db: Db; admin: { email: string; password: string } }): Promise<"created" | "users-exist"> {
  if ((await countUsers({ db })) > 0) return "users-exist";
  const passwordHash = await hashPassword(admin.password);
  return db.transaction(async (tx) => {
    // Several instances may start at once: only one creates the admin.
    await lockFirstAdminSetup({ tx });
    if ((await countUsers({ db: tx })) > 0) return "users-exist" as const;
    const user = await insertUser({ db: tx, user: { email: admin.email, name: "", role: "admin", passwordHash, authSource: "local" } });
    await deleteSetting({ db: tx, key: SETTING });
    await insertAuditEvent({
      tx,
      event: {
        actorId: null,
        actorLabel: "system",
        action: "setup.completed",
        targetType: "user",
        targetId: user.id,
        targetLabel: user.email,
        details: { role: "admin", via: "ROTOR_ADMIN_EMAIL" },
      },
    });
    return "created" as const;
  });
}
