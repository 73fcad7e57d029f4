/**
 * POST /api/v1/rotators/{id}/check through the real API door against the real MariaDB: a rotate-scope token
 * gets the checklist (200 also when lines fail), a read token is refused, and no secret is in the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { callApi, serviceToken } from "@/test/support/api-client";
import { connectMysqlAdmin, type MysqlAdmin } from "@/test/support/mysql-admin";
import { checkRotatorRoute } from "./routes/rotators";
import { createEnvironment } from "../environments/service";
import { createRotator } from "../rotation/rotator-service";

let app: TestApp;
let mysql: MysqlAdmin;

beforeAll(async () => {
  app = await openTestApp("pglite");
  mysql = await connectMysqlAdmin();
});

afterAll(async () => {
  await app?.destroy();
  await mysql?.dropAll();
});

describe("POST /rotators/{id}/check", () => {
  it("answers the checklist to a rotate-scope token: the missing grant failed, with the GRANT to run", async () => {
    const environment = await createEnvironment(app, { actor: TEST_ACTOR, name: "prod", description: "" });
    const managingPassword = `mgr-${mysql.uniqueName("pw")}-secret`;
    const managing = await mysql.createUser({ password: managingPassword, grants: ["SELECT ON mysql.user"] });
    const u1 = await mysql.createUser({ password: "app1-secret" });
    const u2 = await mysql.createUser({ password: "app2-secret" });
    const rotator = await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId: environment.id,
      name: "db",
      type: "mysql",
      inputs: { host: mysql.host, port: mysql.port, tls: { mode: "disable" }, managing: { username: managing.username, password: managingPassword }, username1: u1.username, username2: u2.username },
    });
    const rotate = (await serviceToken(app, "bot", "rotate", null)).token;
    const response = await callApi(app, checkRotatorRoute, { token: rotate, params: { id: rotator.id } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(managingPassword);
    const body = JSON.parse(text) as { ok: boolean; summary: string; checks: { id: string; status: string; fix?: string }[] };
    expect(body.ok).toBe(false);
    expect(body.summary).toMatch(/2 failed/);
    const line = body.checks.find((c) => c.id === `privilege:${u1.username}`)!;
    expect(line).toMatchObject({ status: "failed", fix: `GRANT CREATE USER ON *.* TO '${managing.username}'@'%';` });
    expect(body.checks.find((c) => c.id === "managing-login")!.status).toBe("ok");

    const read = (await serviceToken(app, "reader", "read", null)).token;
    expect((await callApi(app, checkRotatorRoute, { token: read, params: { id: rotator.id } })).status).toBe(403);
  });
});
