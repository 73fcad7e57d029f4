/**
 * The read path applications use: open (json, dotenv, shell, yaml), ETag/304, revision pinning, exported
 * variables, consumers and the `environment.opened` audit event; tokens (shown once, hashed, revoked at once,
 * personal tokens following their owner); the door's problem+json answers to bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { parse as parseYaml } from "yaml";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { callApi, personalToken, serviceToken } from "@/test/support/api-client";
import { API_ROUTES } from "./routes";
import { createEnvironment, setEnvironmentValue } from "../environments/service";
import { createRotator } from "../rotation/rotator-service";
import { rotateNow } from "../rotation/engine";
import { getRunById } from "../db/queries/runs";
import { changeUserRole, setUserDisabled } from "../users/service";
import { listConsumersByEnvironment } from "../db/queries/consumers";
import { getUserByEmail } from "../db/queries/users";
import { hashToken } from "../tokens/tokens";
import { getRotatorById } from "../db/queries/rotators";
import { loadState } from "../environments/rotator-state";

const route = (id: string) => API_ROUTES.find((r) => r.operationId === id)!;

let app: TestApp;
let admin: string;
let environmentId: string;
let rotatorId: string;

beforeAll(async () => {
  app = await openTestApp("pglite");
  admin = await personalToken(app, "admin@example.com", "admin");
  const environment = await createEnvironment(app, { actor: TEST_ACTOR, name: "team/app", description: "" });
  environmentId = environment.id;
  await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId, key: "api_key", value: "key-'\"`$x", secret: true });
  await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId, key: "region", value: "eu-west-1", secret: false });
  rotatorId = (await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "signing", type: "password", inputs: {} })).id;
});

afterAll(async () => {
  await app?.destroy();
});

const open = (query: Record<string, string> = {}, headers: Record<string, string> = {}, token = admin) =>
  callApi(app, route("openEnvironment"), { params: { name: "team/app" }, query, headers, token });

describe("exported variables", () => {
  it("refuses a reference to something that does not exist, naming the variable, and changes nothing", async () => {
    const response = await callApi(app, route("updateEnvironment"), {
      params: { name: "team/app" },
      token: admin,
      body: { exports: { OK: "${values.region}", BROKEN: "${signing.current.nosuchfield}", TYPO: "${valuez.region}" } },
    });
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.errors["exports.BROKEN"]).toMatch(/signing credentials have no field nosuchfield \(they have password\)/);
    expect(problem.errors["exports.TYPO"]).toMatch(/\$\{valuez.region\} is not a reference Rotor knows/);
    const environment = await (await callApi(app, route("getEnvironment"), { params: { name: "team/app" }, token: admin })).json();
    expect(environment.exports).toEqual({});
  });

  it("resolves at open once every reference has a value, and says which ones cannot be resolved yet", async () => {
    const set = await callApi(app, route("updateEnvironment"), {
      params: { name: "team/app" },
      token: admin,
      body: { exports: { SIGNING_KEY: "${signing.current.password}", API_KEY: "${values.api_key}", URL: "https://${values.region}.example.com/$${literal}" } },
    });
    expect(set.status).toBe(200);
    const before = await (await open()).json();
    expect(before.exports).toEqual({ API_KEY: "key-'\"`$x", URL: "https://eu-west-1.example.com/${literal}" });
    expect(before.exportErrors).toEqual({ SIGNING_KEY: "SIGNING_KEY: signing has no current credential yet" });
    const dotenv = await open({ format: "dotenv" });
    expect(dotenv.status).toBe(409);
    expect((await dotenv.json()).detail).toMatch(/SIGNING_KEY: signing has no current credential yet/);

    await rotateNow(app, { rotatorId, trigger: "user", actor: TEST_ACTOR });
    const after = await (await open()).json();
    expect(after.exportErrors).toEqual({});
    expect(after.exports.SIGNING_KEY).toBe(after.rotators.signing.current.password);
    expect(after.rotators.signing.rotatedAt).toEqual(expect.any(String));
  });

  it("will not let a rotator or value that an export reads be deleted or renamed", async () => {
    const remove = await callApi(app, route("deleteValue"), { params: { name: "team/app", key: "api_key" }, token: admin });
    expect(remove.status).toBe(409);
    expect((await remove.json()).detail).toMatch(/API_KEY uses api_key/);
    const rename = await callApi(app, route("updateRotator"), { params: { id: rotatorId }, token: admin, body: { name: "signer" } });
    expect(rename.status).toBe(409);
    expect((await rename.json()).detail).toMatch(/SIGNING_KEY reads signing/);
  });
});

describe("open", () => {
  it("answers the revision as ETag, and 304 without a body while it is current", async () => {
    const first = await open();
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    const etag = first.headers.get("etag")!;
    const document = await first.json();
    expect(etag).toBe(`"${document.revision}"`);
    const again = await open({}, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect((await open({}, { "if-none-match": `W/"1", ${etag}` })).status).toBe(304);
    await rotateNow(app, { rotatorId, trigger: "user", actor: TEST_ACTOR });
    const changed = await open({}, { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).toBe(`"${document.revision + 1}"`);
  });

  it("serves an older revision exactly as it was, and a clear 404 for one that does not exist", async () => {
    const now = await (await open()).json();
    const old = await (await open({ revision: String(now.revision - 1) })).json();
    expect(old.revision).toBe(now.revision - 1);
    expect(old.rotators.signing.current.password).toBe(now.rotators.signing.previous.password);
    const missing = await open({ revision: "9999" });
    expect(missing.status).toBe(404);
    expect((await missing.json()).detail).toMatch(/team\/app has no revision 9999 \(its revisions are 1 to \d+\)/);
    const bad = await open({ revision: "soon" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors["query.revision"]).toMatch(/revision must be a number/);
  });

  it("writes shell, dotenv and yaml that consumers read back exactly", async () => {
    const json = await (await open()).json();
    const shell = await (await open({ format: "shell" })).text();
    expect(shell).toContain(`export API_KEY='key-'\\''"\`$x'`);
    const yaml = parseYaml(await (await open({ format: "yaml" })).text());
    expect(yaml).toEqual(json);
    // API_KEY holds all three quote characters: no dotenv quoting keeps that exactly, so Rotor says so.
    const refused = await open({ format: "dotenv" });
    expect(refused.status).toBe(409);
    expect((await refused.json()).detail).toMatch(/API_KEY cannot be written as a dotenv line exactly/);
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId, key: "api_key", value: "key-'\"$x #1", secret: true });
    const { parse } = await import("dotenv");
    const dotenv = await open({ format: "dotenv" });
    expect(parse(await dotenv.text())).toEqual((await (await open()).json()).exports);
    expect((await open({ format: "xml" })).status).toBe(400);
  });

  it("records each consumer with the revision it holds, and audits full reads with the token, never its value", async () => {
    const reader = await serviceToken(app, "deploy-bot", "read", [environmentId]);
    const first = await open({}, {}, reader.token);
    const revision = Number(first.headers.get("x-rotor-revision"));
    await open({}, { "if-none-match": `"${revision}"` }, reader.token);
    const consumers = await listConsumersByEnvironment({ db: app.db, environmentId });
    const bot = consumers.find((c) => c.label === "token deploy-bot")!;
    expect(bot.revision).toBe(revision);
    const { rows } = (await app.db.execute(sql`select actor_label, details from audit_events where action = 'environment.opened' and actor_label = 'token:deploy-bot'`)) as unknown as {
      rows: { details: { token: { id: string; name: string }; revision: number } }[];
    };
    expect(rows).toHaveLength(1);
    expect(rows[0].details).toMatchObject({ token: { id: reader.id, name: "deploy-bot" }, revision });
    const audit = JSON.stringify((await app.db.execute(sql`select * from audit_events`) as unknown as { rows: unknown[] }).rows);
    expect(audit).not.toContain(reader.token);
    expect(audit).not.toContain("key-'");
  });
});

describe("tokens", () => {
  it("shows a new token once, stores only its hash, and revokes it at once", async () => {
    const created = await callApi(app, route("createToken"), { token: admin, body: { kind: "service", name: "ci", scope: "read", environments: ["team/app"] } });
    expect(created.status).toBe(201);
    const { token, tokenInfo } = await created.json();
    expect(token).toMatch(/^rtr_[A-Za-z0-9_-]{43}$/);
    expect(tokenInfo).toMatchObject({ name: "ci", kind: "service", scope: "read", environments: ["team/app"], prefix: token.slice(0, 12) });
    const stored = JSON.stringify((await app.db.execute(sql`select * from api_tokens`) as unknown as { rows: unknown[] }).rows);
    expect(stored).not.toContain(token);
    expect(stored).toContain(hashToken(token));
    const listed = await (await callApi(app, route("listTokens"), { token: admin })).json();
    expect(JSON.stringify(listed)).not.toContain(token);

    expect((await open({}, {}, token)).status).toBe(200);
    expect((await callApi(app, route("revokeToken"), { token: admin, params: { id: tokenInfo.id } })).status).toBe(204);
    const after = await open({}, {}, token);
    expect(after.status).toBe(401);
    expect((await after.json()).code).toBe("auth:token-revoked");
  });

  it("refuses a service token for an environment that does not exist, naming it", async () => {
    const response = await callApi(app, route("createToken"), { token: admin, body: { kind: "service", name: "x", scope: "read", environments: ["nope"] } });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.environments).toMatch(/No environment nope/);
  });

  it("lets only admins create service tokens; anyone creates personal ones", async () => {
    const operator = await personalToken(app, "op@example.com", "operator");
    const service = await callApi(app, route("createToken"), { token: operator, body: { kind: "service", name: "x", scope: "read" } });
    expect(service.status).toBe(403);
    const personal = await callApi(app, route("createToken"), { token: operator, body: { kind: "personal", name: "laptop" } });
    expect(personal.status).toBe(201);
    const mine = await (await callApi(app, route("listTokens"), { token: operator })).json();
    expect(mine.items.every((t: { owner: string }) => t.owner === "op@example.com")).toBe(true);
  });

  it("makes a personal token follow its owner: a lower role or a disabled account applies on the next request", async () => {
    const token = await personalToken(app, "ops2@example.com", "operator");
    expect((await open({}, {}, token)).status).toBe(200);
    const user = (await getUserByEmail({ db: app.db, email: "ops2@example.com" }))!;
    await changeUserRole({ db: app.db, actor: TEST_ACTOR, userId: user.id, role: "viewer" });
    expect((await open({}, {}, token)).status).toBe(403);
    await setUserDisabled({ db: app.db, actor: TEST_ACTOR, userId: user.id, disabled: true });
    expect((await open({}, {}, token)).status).toBe(401);
  });

  it("logs out: DELETE /tokens/current revokes the calling token", async () => {
    const token = await personalToken(app, "leaver@example.com", "viewer");
    expect((await callApi(app, route("revokeCurrentToken"), { token })).status).toBe(204);
    expect((await callApi(app, route("whoami"), { token })).status).toBe(401);
  });
});

describe("the door's answers to bad input", () => {
  it("names the field in problem+json and changes nothing", async () => {
    const response = await callApi(app, route("createEnvironment"), { token: admin, body: { name: "bad name!" } });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = await response.json();
    expect(problem).toMatchObject({ type: "about:blank", title: "Bad Request", status: 400, code: "input:invalid" });
    expect(problem.errors.name).toMatch(/Use letters, digits/);
  });

  it("refuses NUL characters naming the field, instead of failing in the store", async () => {
    const response = await callApi(app, route("setValue"), { token: admin, params: { name: "team/app", key: "region" }, body: { value: "eu\u0000west" } });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.value).toBe("Must not contain NUL characters");
  });

  it("refuses NUL characters in the path and the query too, naming them", async () => {
    const path = await callApi(app, route("getEnvironment"), { token: admin, params: { name: "team\u0000app" } });
    expect(path.status).toBe(400);
    expect((await path.json()).errors).toEqual({ "path.name": "Must not contain NUL characters" });
    const query = await callApi(app, route("listHistory"), { token: admin, params: { name: "team/app" }, query: { rotator: "sign\u0000ing" } });
    expect(query.status).toBe(400);
    expect((await query.json()).errors).toEqual({ "query.rotator": "Must not contain NUL characters" });
  });

  it("refuses a host that can never work with the words the form uses, and creates nothing", async () => {
    const inputs = { host: "db.internal:5432", managing: { username: "rotor", password: "pw" }, username1: "app_a", username2: "app_b" };
    const response = await callApi(app, route("createRotator"), { token: admin, params: { name: "team/app" }, body: { name: "db", type: "postgres", inputs } });
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.detail).toBe("Host must not include a port: put 5432 in Port");
    expect(problem.errors["inputs.host"]).toBe("Host must not include a port: put 5432 in Port");
    const missing = await callApi(app, route("createRotator"), { token: admin, params: { name: "team/app" }, body: { name: "db", type: "postgres", inputs: { ...inputs, host: "db.internal", managing: { username: "rotor" } } } });
    expect((await missing.json()).errors["inputs.managing.password"]).toBe("Managing password is required");
    const list = await (await callApi(app, route("listRotators"), { token: admin, params: { name: "team/app" } })).json();
    expect(list.items.map((r: { name: string }) => r.name)).not.toContain("db");
  });

  it("answers 413 to a body over 1 MB, and 400 to a body that is not JSON", async () => {
    const big = await callApi(app, route("setValue"), { token: admin, params: { name: "team/app", key: "region" }, body: { value: "x".repeat(1_100_000) } });
    expect(big.status).toBe(413);
    expect((await big.json()).code).toBe("payload:too-large");
    const text = await callApi(app, route("setValue"), { token: admin, params: { name: "team/app", key: "region" }, body: "value=x", headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(400);
    expect((await text.json()).detail).toMatch(/Content-Type: application\/json/);
  });

  it("rotate: an unknown rotator is named; expectedRevision refuses (409) a rotator rotated since, without it rotates again", async () => {
    const unknown = await callApi(app, route("rotateEnvironment"), { token: admin, params: { name: "team/app" }, body: { rotators: ["nope"] } });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).detail).toMatch(/no rotator named nope/);
    const seen = (await (await open()).json()).revision;
    await rotateNow(app, { rotatorId, trigger: "user", actor: TEST_ACTOR });
    const stale = await callApi(app, route("rotateEnvironment"), { token: admin, params: { name: "team/app" }, body: { rotators: ["signing"], expectedRevision: seen } });
    expect(stale.status).toBe(409);
    expect(stale.headers.get("content-type")).toContain("application/problem+json");
    const problem = await stale.json();
    expect(problem.code).toBe("rotation:stale-revision");
    expect(problem.detail).toMatch(new RegExp(`^signing: Rotated \\d+ s ago by ${TEST_ACTOR.label}; rotate again\\?$`));
    // The confirmation: the same request without the revision rotates once more.
    const again = await callApi(app, route("rotateEnvironment"), { token: admin, params: { name: "team/app" }, body: { rotators: ["signing"] } });
    expect(again.status).toBe(202);
    const [run] = (await again.json()).runs;
    expect(run).toMatchObject({ rotator: "signing", status: "running" });
    await expect.poll(async () => (await getRunById({ db: app.db, id: run.id }))?.status, { timeout: 10_000 }).toBe("succeeded");
  });

  it("rollback: a rotate-scope token rolls back (previous becomes current); refusals are problem+json with their reason", async () => {
    const bot = (await serviceToken(app, "rollback-bot", "rotate", null)).token;
    const rollback = (id: string, body: unknown) => callApi(app, route("rollbackRotator"), { token: bot, params: { id }, body });
    const fresh = await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "fresh", type: "password", inputs: {} });
    const none = await rollback(fresh.id, {});
    expect(none.status).toBe(409);
    expect(none.headers.get("content-type")).toContain("application/problem+json");
    expect(await none.json()).toMatchObject({ code: "conflict", detail: expect.stringMatching(/^fresh has no previous credential to roll back to: it has not been rotated yet/) });

    const bad = await rollback(rotatorId, { expectedRevision: "latest" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors.expectedRevision).toEqual(expect.any(String));

    const stateOf = async () => loadState(app.keyring, (await getRotatorById({ db: app.db, id: rotatorId }))!);
    const before = await stateOf();
    const seen = (await (await open()).json()).revision;
    const done = await rollback(rotatorId, { expectedRevision: seen });
    expect(done.status).toBe(200);
    const after = await done.json();
    expect(after.stateRevision).toBe(seen + 1);
    expect(await stateOf()).toEqual({ current: before.previous, previous: before.current });

    // The same request again (a second click) would swap back: refused, saying who rolled back; without the revision it goes on.
    const stale = await rollback(rotatorId, { expectedRevision: seen });
    expect(stale.status).toBe(409);
    expect((await stale.json()).detail).toMatch(/^Changed \(rolled back signing\) \d+ s ago by token:rollback-bot; roll back anyway\?$/);
    expect((await rollback(rotatorId, {})).status).toBe(200);
  });
});
