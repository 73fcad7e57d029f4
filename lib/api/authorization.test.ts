/**
 * Every REST API operation, refused: no token, a malformed, unknown, expired or revoked one, a personal token
 * of a user whose role is too low, a service token whose scope is too narrow, and one limited to another
 * environment. Each refusal is 401 or 403 as problem+json, and nothing in the store changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { callApi, personalToken, serviceToken, type ApiCallOptions } from "@/test/support/api-client";
import { API_ROUTES } from "./routes";
import type { ApiRoute } from "./route";
import { CAPABILITIES } from "../tokens/permissions";
import { hasRole } from "../auth/roles";
import { createEnvironment, setEnvironmentValue } from "../environments/service";
import { createRotator } from "../rotation/rotator-service";
import { rotateNow } from "../rotation/engine";
import { saveSchedule } from "../schedules/service";
import { revokeToken } from "../tokens/tokens";

let app: TestApp;
const tokens: Record<string, string> = {};
let fixture: { rotatorId: string; runId: string; tokenId: string };

beforeAll(async () => {
  app = await openTestApp("pglite");
  const prod = await createEnvironment(app, { actor: TEST_ACTOR, name: "prod", description: "" });
  const other = await createEnvironment(app, { actor: TEST_ACTOR, name: "other", description: "" });
  await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: prod.id, key: "region", value: "eu-west-1", secret: false });
  const rotator = await createRotator(app, { actor: TEST_ACTOR, environmentId: prod.id, name: "signing", type: "password", inputs: {} });
  const run = await rotateNow(app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR });
  await saveSchedule(app, { actor: TEST_ACTOR, target: { rotatorId: rotator.id }, input: { kind: "interval", every: "1", unit: "days", at: "03:00", timezone: "UTC" } });

  tokens.viewer = await personalToken(app, "viewer@example.com", "viewer");
  tokens.operator = await personalToken(app, "operator@example.com", "operator");
  tokens.read = (await serviceToken(app, "reader", "read", null)).token;
  tokens.rotate = (await serviceToken(app, "rotator-bot", "rotate", null)).token;
  tokens.adminOther = (await serviceToken(app, "other-admin", "admin", [other.id])).token;
  const expired = await serviceToken(app, "expired", "admin", null, new Date(Date.now() + 60_000));
  await app.db.execute(sql`update api_tokens set expires_at = now() - interval '1 minute' where id = ${expired.id}`);
  tokens.expired = expired.token;
  const revoked = await serviceToken(app, "revoked", "admin", null);
  await revokeToken(app, { manager: { actor: TEST_ACTOR, user: null, admin: true }, tokenId: revoked.id });
  tokens.revoked = revoked.token;
  fixture = { rotatorId: rotator.id, runId: run.runId, tokenId: revoked.id };
});

afterAll(async () => {
  await app?.destroy();
});

/** A request each operation would accept from an admin: the refusals below must come from the token alone. */
function validCall(route: ApiRoute): ApiCallOptions {
  const p: Record<string, string> = { name: "prod", key: "region", id: fixture.rotatorId };
  if (route.path.startsWith("/runs/")) p.id = fixture.runId;
  if (route.path.startsWith("/tokens/")) p.id = fixture.tokenId;
  const bodies: Record<string, unknown> = {
    createEnvironment: { name: "made-by-api" },
    updateEnvironment: { description: "changed" },
    setValue: { value: "changed" },
    rotateEnvironment: {},
    createRotator: { name: "made-by-api", type: "password", inputs: {} },
    updateRotator: { name: "renamed" },
    importRotatorState: { current: { password: "imported-password" } },
    rollbackRotator: {},
    setSchedule: { kind: "interval", every: "2", unit: "days", at: "04:00", timezone: "UTC" },
    createToken: { kind: "service", name: "made-by-api", scope: "read" },
  };
  return { params: p, body: bodies[route.operationId] };
}

/** Everything a refused call must leave as it was (audit events aside: denials are audited). */
async function fingerprint(): Promise<string> {
  const q = async (query: ReturnType<typeof sql>) => JSON.stringify((await app.db.execute(query) as unknown as { rows: unknown[] }).rows);
  return [
    await q(sql`select name, description, current_revision, exports from environments order by name`),
    await q(sql`select environment_id, key, secret, plain_value, value_ciphertext from environment_values order by key`),
    await q(sql`select name, inputs, state_ciphertext, lease_owner from rotators order by name`),
    await q(sql`select kind, interval_seconds, paused, next_run_at from schedules order by id`),
    await q(sql`select count(*) from rotation_runs`),
    await q(sql`select id, revoked_at from api_tokens order by id`),
  ].join("\n");
}

const protectedRoutes = API_ROUTES.filter((r) => r.auth !== "none");
const environmentScoped = protectedRoutes.filter((r) => r.path.includes("{name}") || r.path.startsWith("/rotators/") || r.path.startsWith("/runs/"));

async function expectRefused(response: Response, status: 401 | 403, code?: string) {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = await response.json();
  expect({ status: response.status, problemStatus: problem.status }).toEqual({ status, problemStatus: status });
  if (code) expect(problem.code).toBe(code);
  expect(problem.detail).toEqual(expect.any(String));
}

describe("every API operation refuses callers without the right token, changing nothing", () => {
  it("covers every operation (and the matrix is not empty)", () => {
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(25);
    // Roll back changes a rotator's state: a viewer or a read token is refused like for a rotation.
    expect(protectedRoutes.map((r) => r.operationId)).toContain("rollbackRotator");
  });

  it.each(protectedRoutes.map((r) => [r.operationId, r] as const))("%s", async (_id, route) => {
    const before = await fingerprint();
    const call = validCall(route);
    await expectRefused(await callApi(app, route, { ...call, token: null }), 401, "auth:unauthenticated");
    await expectRefused(await callApi(app, route, { ...call, authorization: "Basic YWRtaW46YWRtaW4=" }), 401, "auth:unauthenticated");
    await expectRefused(await callApi(app, route, { ...call, token: `rtr_${"A".repeat(43)}` }), 401, "auth:unauthenticated");
    await expectRefused(await callApi(app, route, { ...call, token: tokens.expired }), 401, "auth:token-expired");
    await expectRefused(await callApi(app, route, { ...call, token: tokens.revoked }), 401, "auth:token-revoked");
    const rule = CAPABILITIES[route.auth as keyof typeof CAPABILITIES];
    if (!hasRole("viewer", rule.role)) await expectRefused(await callApi(app, route, { ...call, token: tokens.viewer }), 403, "auth:forbidden");
    if (!(rule.scopes as readonly string[]).includes("read")) await expectRefused(await callApi(app, route, { ...call, token: tokens.read }), 403, "auth:forbidden");
    if (!(rule.scopes as readonly string[]).includes("rotate")) await expectRefused(await callApi(app, route, { ...call, token: tokens.rotate }), 403, "auth:forbidden");
    if (environmentScoped.includes(route)) await expectRefused(await callApi(app, route, { ...call, token: tokens.adminOther }), 403, "auth:forbidden");
    expect(await fingerprint()).toBe(before);
  });

  it("lets a viewer read configuration but never open secret values", async () => {
    const get = protectedRoutes.find((r) => r.operationId === "getEnvironment")!;
    const open = protectedRoutes.find((r) => r.operationId === "openEnvironment")!;
    expect((await callApi(app, get, { params: { name: "prod" }, token: tokens.viewer })).status).toBe(200);
    await expectRefused(await callApi(app, open, { params: { name: "prod" }, token: tokens.viewer }), 403, "auth:forbidden");
    expect((await callApi(app, open, { params: { name: "prod" }, token: tokens.operator })).status).toBe(200);
  });

  it("lists only the environments a limited token may use", async () => {
    const list = protectedRoutes.find((r) => r.operationId === "listEnvironments")!;
    const body = await (await callApi(app, list, { token: tokens.adminOther })).json();
    expect(body.items.map((e: { name: string }) => e.name)).toEqual(["other"]);
  });

  it("audits a refused call with the token's id and name, never its value", async () => {
    const open = protectedRoutes.find((r) => r.operationId === "openEnvironment")!;
    await callApi(app, open, { params: { name: "prod" }, token: tokens.adminOther });
    const { rows } = (await app.db.execute(sql`select actor_label, details from audit_events where action = 'permission.denied' order by id desc limit 1`)) as unknown as {
      rows: { actor_label: string; details: { token?: { name: string } } }[];
    };
    expect(rows[0].actor_label).toBe("token:other-admin");
    expect(rows[0].details.token?.name).toBe("other-admin");
    const all = JSON.stringify((await app.db.execute(sql`select * from audit_events`) as unknown as { rows: unknown[] }).rows);
    for (const token of Object.values(tokens)) expect(all).not.toContain(token);
  });
});
