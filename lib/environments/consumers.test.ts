/**
 * Consumers in view: who opened an environment through the API and which revision they hold, and the
 * consumers a rotation would lock out — those that never fetched the revision that made today's `current`
 * current, so they still use what is now `previous`, the credential the next rotation retires.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { callApi, personalToken, serviceToken } from "@/test/support/api-client";
import { API_ROUTES } from "../api/routes";
import { createEnvironment } from "./service";
import { createRotator } from "../rotation/rotator-service";
import { rotateNow } from "../rotation/engine";
import { getRotatorById } from "../db/queries/rotators";
import { getEnvironmentById } from "../db/queries/environments";
import { revokeToken } from "../tokens/tokens";
import { consumersBehindRotator, describeConsumersBehind, describeEnvironmentConsumersBehind, listEnvironmentConsumers } from "./consumers";

const route = (id: string) => API_ROUTES.find((r) => r.operationId === id)!;

let app: TestApp;
let environmentId: string;
let rotatorId: string;
let admin: string;

const open = async (token: string, etag?: string) => {
  const response = await callApi(app, route("openEnvironment"), { params: { name: "shop" }, token, headers: etag ? { "if-none-match": etag } : {} });
  expect(response.status).toBeLessThan(400);
  return response;
};
const rotate = () => rotateNow(app, { rotatorId, trigger: "user", actor: TEST_ACTOR });
const rotator = async () => (await getRotatorById({ db: app.db, id: rotatorId }))!;
const behind = async () => consumersBehindRotator({ db: app.db, rotator: await rotator() });

beforeAll(async () => {
  app = await openTestApp("pglite");
  admin = await personalToken(app, "admin@example.com", "admin");
  environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "shop", description: "" })).id;
  rotatorId = (await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "db", type: "password", inputs: {} })).id;
});

afterAll(async () => {
  await app?.destroy();
});

describe("consumers behind a rotator", () => {
  it("flags nobody while the rotator has no previous credential to retire", async () => {
    const early = await serviceToken(app, "early", "read", null);
    await open(early.token);
    expect((await behind()).consumers).toEqual([]);
    await rotate(); // the first credential: nothing is retired by the next rotation yet
    expect((await behind()).consumers).toEqual([]);
  });

  it("flags a consumer that has not fetched the revision that introduced the current credential, until it does", async () => {
    const worker = await serviceToken(app, "worker", "read", [environmentId]);
    const first = await open(worker.token);
    const held = Number(first.headers.get("x-rotor-revision"));
    await rotate();
    const state = await rotator();
    expect(state.stateRevision).toBeGreaterThan(held);

    const result = await behind();
    expect(result.revision).toBe(state.stateRevision);
    expect(result.consumers.map((c) => [c.label, c.revision])).toEqual(expect.arrayContaining([["token worker", held]]));
    expect(describeConsumersBehind(result)).toMatch(new RegExp(`^\\d consumers? ha(s|ve) not picked up revision ${state.stateRevision} yet: .*token worker \\(revision ${held}\\)`));

    // A conditional open with the old ETag gets the new revision (200), and the consumer is no longer behind.
    const refreshed = await open(worker.token, `"${held}"`);
    expect(refreshed.status).toBe(200);
    expect((await behind()).consumers.map((c) => c.label)).not.toContain("token worker");
  });

  it("says it in one sentence naming each consumer behind", async () => {
    const a = await serviceToken(app, "api-a", "read", null);
    const b = await serviceToken(app, "api-b", "read", null);
    await open(a.token);
    await open(b.token);
    await rotate();
    const result = await behind();
    const message = describeConsumersBehind(result)!;
    expect(message).toContain(`have not picked up revision ${result.revision} yet`);
    expect(message).toContain("token api-a (revision");
    expect(message).toContain("token api-b (revision");
    expect(message).toContain("Rotating db now retires the credential they still use.");
  });

  it("does not count a revoked or expired token: it will never pick anything up, and was cut off on purpose", async () => {
    const gone = await serviceToken(app, "decommissioned", "read", null);
    const old = await serviceToken(app, "short-lived", "read", null, new Date(Date.now() + 1500));
    await open(gone.token);
    await open(old.token);
    await rotate();
    expect((await behind()).consumers.map((c) => c.label)).toEqual(expect.arrayContaining(["token decommissioned", "token short-lived"]));
    await revokeToken(app, { manager: { actor: TEST_ACTOR, user: null, admin: true }, tokenId: gone.id });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const labels = (await behind()).consumers.map((c) => c.label);
    expect(labels).not.toContain("token decommissioned");
    expect(labels).not.toContain("token short-lived");
    const listed = await listEnvironmentConsumers({ db: app.db, environment: (await getEnvironmentById({ db: app.db, id: environmentId }))! });
    expect(listed.find((c) => c.label === "token decommissioned")).toMatchObject({ tokenState: "revoked", current: false, behindOn: [] });
    expect(listed.find((c) => c.label === "token short-lived")).toMatchObject({ tokenState: "expired", behindOn: [] });
  });
});

describe("the environment's consumers", () => {
  it("lists each consumer with its last open, its revision, whether it is current and what it is behind on", async () => {
    const fresh = await serviceToken(app, "fresh", "read", null);
    const stale = await serviceToken(app, "stale", "read", null);
    await open(stale.token);
    await rotate();
    await open(fresh.token);
    const environment = (await getEnvironmentById({ db: app.db, id: environmentId }))!;
    const consumers = await listEnvironmentConsumers({ db: app.db, environment });
    expect(consumers.find((c) => c.label === "token fresh")).toMatchObject({ kind: "token", tokenState: "active", revision: environment.currentRevision, current: true, behindOn: [] });
    expect(consumers.find((c) => c.label === "token stale")).toMatchObject({ current: false, behindOn: ["db"] });
    expect(consumers[0].label).toBe("token fresh"); // most recent first
    expect(describeEnvironmentConsumersBehind(consumers)).toMatch(/token stale \(revision \d+: db\)/);
  });

  it("is in the REST API too: the consumers list, and each rotator's consumers behind", async () => {
    const listed = await (await callApi(app, route("listConsumers"), { params: { name: "shop" }, token: admin })).json();
    expect(listed.items.find((c: { label: string }) => c.label === "token stale")).toMatchObject({ current: false, behindOn: ["db"], lastOpenedAt: expect.any(String) });
    const detail = await (await callApi(app, route("getRotator"), { params: { id: rotatorId }, token: admin })).json();
    expect(detail.stateRevision).toBe((await rotator()).stateRevision);
    expect(detail.consumersBehind.map((c: { label: string }) => c.label)).toContain("token stale");
  });

  it("records a personal token's consumer with its owner", async () => {
    const token = await personalToken(app, "ops@example.com", "operator");
    await open(token);
    const environment = (await getEnvironmentById({ db: app.db, id: environmentId }))!;
    expect((await listEnvironmentConsumers({ db: app.db, environment })).map((c) => c.label)).toContain("ops@example.com (token operator laptop)");
  });
});
