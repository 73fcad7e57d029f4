/**
 * The token rules both doors share (Settings → API tokens and /api/v1/tokens call these same services): who
 * may create which kind, who sees and revokes which tokens, and what is audited — never the value.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { seedUser } from "@/test/support/api-client";
import { createEnvironment } from "../environments/service";
import { authenticateToken, createToken, listTokens, revokeToken, type TokenManager } from "./tokens";
import { createTokenFormSchema } from "./validation";
import type { User } from "../db/schema";

let app: TestApp;
let admin: User;
let operator: User;
let viewer: User;

const manager = (user: User): TokenManager => ({ actor: { id: user.id, label: user.email }, user, admin: user.role === "admin" });
const count = async () => Number(((await app.db.execute(sql`select count(*)::int as n from api_tokens`)) as unknown as { rows: { n: number }[] }).rows[0].n);

beforeAll(async () => {
  app = await openTestApp("pglite");
  admin = await seedUser(app, "admin@example.com", "admin");
  operator = await seedUser(app, "operator@example.com", "operator");
  viewer = await seedUser(app, "viewer@example.com", "viewer");
  await createEnvironment(app, { actor: TEST_ACTOR, name: "prod", description: "" });
});

afterAll(async () => {
  await app?.destroy();
});

describe("creating tokens", () => {
  it("lets an admin create a service token for named environments, shown once and audited without its value", async () => {
    const { token, view } = await createToken(app, manager(admin), { kind: "service", name: "billing", scope: "read", environments: ["prod"], expiresAt: null });
    expect(view).toMatchObject({ name: "billing", kind: "service", scope: "read", environments: ["prod"], prefix: token.slice(0, 12), owner: null });
    expect((await authenticateToken(app, token, null)).grant).toMatchObject({ kind: "service", scope: "read" });
    const audit = JSON.stringify(((await app.db.execute(sql`select * from audit_events where action = 'token.created'`)) as unknown as { rows: unknown[] }).rows);
    expect(audit).toContain("billing");
    expect(audit).not.toContain(token);
  });

  it("refuses a service token to an operator or viewer, and creates nothing", async () => {
    const before = await count();
    for (const user of [operator, viewer]) {
      await expect(createToken(app, manager(user), { kind: "service", name: "sneaky", scope: "admin", environments: "*", expiresAt: null })).rejects.toMatchObject({
        code: "auth:forbidden",
        message: "Only admins create service tokens.",
      });
    }
    expect(await count()).toBe(before);
  });

  it("refuses a token created through a token limited to some environments (it could mint a wider one)", async () => {
    const limited: TokenManager = { actor: { id: null, label: "token:x" }, user: null, admin: true, callingToken: { id: "00000000-0000-0000-0000-000000000000", limitedToEnvironments: true } };
    await expect(createToken(app, limited, { kind: "service", name: "wider", scope: "admin", environments: "*", expiresAt: null })).rejects.toMatchObject({ code: "auth:forbidden" });
    await expect(createToken(app, limited, { kind: "personal", name: "nobody's", expiresAt: null })).rejects.toMatchObject({ code: "auth:forbidden" });
  });

  it("names an unknown environment and an expiry in the past by their fields", async () => {
    await expect(createToken(app, manager(admin), { kind: "service", name: "x", scope: "read", environments: ["staging"], expiresAt: null })).rejects.toMatchObject({
      code: "input:invalid",
      fieldErrors: { environments: "No environment staging" },
    });
    await expect(createToken(app, manager(viewer), { kind: "personal", name: "old", expiresAt: new Date(Date.now() - 1000) })).rejects.toMatchObject({
      fieldErrors: { expiresAt: "Must be in the future" },
    });
  });

  it("reads the form's expiry date as the end of that day, UTC, and an empty one as none", () => {
    const parsed = createTokenFormSchema.parse({ kind: "personal", name: "laptop", expiresAt: "2031-05-06" });
    expect(parsed.expiresAt?.toISOString()).toBe("2031-05-06T23:59:59.999Z");
    expect(createTokenFormSchema.parse({ kind: "personal", name: "laptop", expiresAt: "" }).expiresAt).toBeNull();
    const bad = createTokenFormSchema.safeParse({ kind: "service", name: " ", scope: "write", environments: [], expiresAt: "tomorrow" });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["name", "scope", "environments", "expiresAt"]));
  });
});

describe("listing and revoking", () => {
  it("shows a viewer only their own personal tokens, and an admin every token", async () => {
    await createToken(app, manager(viewer), { kind: "personal", name: "viewer laptop", expiresAt: null });
    await createToken(app, manager(operator), { kind: "personal", name: "operator laptop", expiresAt: null });
    const mine = await listTokens(app, manager(viewer));
    expect(mine.map((t) => t.name)).toEqual(["viewer laptop"]);
    expect(mine[0].owner).toBe("viewer@example.com");
    const all = (await listTokens(app, manager(admin))).map((t) => t.name);
    expect(all).toEqual(expect.arrayContaining(["viewer laptop", "operator laptop", "billing"]));
  });

  it("lets nobody but the owner or an admin revoke a personal token, and takes effect at once", async () => {
    const { token, view } = await createToken(app, manager(operator), { kind: "personal", name: "to revoke", expiresAt: null });
    await expect(revokeToken(app, { manager: manager(viewer), tokenId: view.id })).rejects.toMatchObject({ code: "not-found" });
    await expect(authenticateToken(app, token, null)).resolves.toBeDefined();
    await revokeToken(app, { manager: manager(operator), tokenId: view.id });
    await expect(authenticateToken(app, token, null)).rejects.toMatchObject({ code: "auth:token-revoked" });
    const revoked = ((await app.db.execute(sql`select count(*)::int as n from audit_events where action = 'token.revoked' and target_id = ${view.id}`)) as unknown as { rows: { n: number }[] }).rows[0].n;
    expect(revoked).toBe(1);
    // Revoking again changes nothing and records nothing more.
    await revokeToken(app, { manager: manager(admin), tokenId: view.id });
    const again = ((await app.db.execute(sql`select count(*)::int as n from audit_events where action = 'token.revoked' and target_id = ${view.id}`)) as unknown as { rows: { n: number }[] }).rows[0].n;
    expect(again).toBe(1);
  });

  it("refuses a non-admin revoking a service token", async () => {
    const { view } = await createToken(app, manager(admin), { kind: "service", name: "deploy", scope: "rotate", environments: "*", expiresAt: null });
    await expect(revokeToken(app, { manager: manager(operator), tokenId: view.id })).rejects.toMatchObject({ code: "not-found" });
    expect((await listTokens(app, manager(admin))).find((t) => t.id === view.id)?.revokedAt).toBeNull();
  });
});
