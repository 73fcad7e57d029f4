/** Headless first start: ROTOR_ADMIN_EMAIL/PASSWORD create the first admin once, and never a second one. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openTestApp, type TestApp } from "@/test/support/app-context";
import { bootstrapAdminIfNeeded, checkSetupToken, issueSetupTokenIfNeeded } from "./setup";
import { signInWithPassword } from "../auth/password-sign-in";
import { countUsers } from "../db/queries/users";

describe.each(["pglite", "postgres"] as const)("bootstrap admin (%s)", (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await openTestApp(kind);
  });
  afterAll(async () => {
    await app?.destroy();
  });

  it("creates the first admin, who can sign in, and retires the setup link", async () => {
    const link = await issueSetupTokenIfNeeded({ db: app.db });
    expect(link).toMatch(/\/setup\?token=/);
    const outcome = await bootstrapAdminIfNeeded({ db: app.db, admin: { email: "root@example.com", password: "a-long-admin-password" } });
    expect(outcome).toBe("created");
    const result = await signInWithPassword({ db: app.db, email: "root@example.com", password: "a-long-admin-password", ip: null });
    expect(result).toMatchObject({ ok: true, user: { role: "admin" } });
    expect(await checkSetupToken({ db: app.db, token: new URL(link!).searchParams.get("token")! })).toBe("done");
    const { rows } = (await app.db.execute(sql`select action, details from audit_events where action = 'setup.completed'`)) as unknown as { rows: { details: { via: string } }[] };
    expect(rows[0].details.via).toBe("ROTOR_ADMIN_EMAIL");
  });

  it("does nothing once users exist, even when started again by several instances at once", async () => {
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => bootstrapAdminIfNeeded({ db: app.db, admin: { email: "other@example.com", password: "another-long-password" } })),
    );
    expect(outcomes).toEqual(["users-exist", "users-exist", "users-exist"]);
    expect(await countUsers({ db: app.db })).toBe(1);
  });
});

describe("bootstrap admin racing on an empty store", () => {
  it("creates exactly one admin when several instances start together", async () => {
    const app = await openTestApp("postgres");
    try {
      const outcomes = await Promise.all([1, 2, 3].map((i) => bootstrapAdminIfNeeded({ db: app.db, admin: { email: `admin${i}@example.com`, password: "a-long-admin-password" } })));
      expect(outcomes.filter((o) => o === "created")).toHaveLength(1);
      expect(await countUsers({ db: app.db })).toBe(1);
    } finally {
      await app.destroy();
    }
  });
});
