/**
 * redis preflight ("Check rotation") against the real Redis 7 on 127.0.0.1:6379: the managing user's permissions
 * by ACL DRYRUN and (without +acl|dryrun) by its own rules, the rotated users, and that nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedisAdmin, MANAGING_COMMANDS, type RedisAdmin } from "@/test/support/redis-admin";
import type { CheckLine, RotatorContext } from "../types";
import { runPreflight } from "../preflight";
import { aclAllows } from "./acl";
import { redisRotator } from "./index";
import { redisInputsSchema } from "./inputs";

let admin: RedisAdmin;

beforeAll(async () => {
  admin = await connectRedisAdmin();
});

afterAll(async () => {
  await admin?.dropAll();
});

const context: RotatorContext = { checkpoint: async () => {} };

async function setup(options: { managingRules?: string[]; user?: { rules?: string[]; password?: string | null } | null; inputs?: Record<string, unknown> } = {}) {
  const managing = await admin.createManagingUser(options.managingRules ? { rules: options.managingRules } : {});
  const username = options.user === null ? admin.uniqueName("missing") : (await admin.createUser(options.user ?? {})).username;
  const inputs = redisInputsSchema.parse({ host: admin.address.host, port: admin.address.port, tls: { mode: "disable" }, managing, username, ...options.inputs });
  return { inputs, managing, username };
}

async function check(inputs: unknown): Promise<Map<string, CheckLine>> {
  const { checks } = await runPreflight(redisRotator, { inputs: inputs as never, state: { current: null, previous: null }, context });
  for (const line of checks) if (line.status === "failed") expect(line.fix, `${line.id} has a fix`).toBeTruthy();
  return new Map(checks.map((line) => [line.id, line]));
}

describe("redis preflight", () => {
  it("passes with ACL DRYRUN for a managing user that has every command, and changes no password", async () => {
    const { inputs, username } = await setup({ managingRules: [...MANAGING_COMMANDS, "+acl|dryrun"] });
    const before = await admin.passwordHashesOf(username);
    const lines = await check(inputs);
    const statuses = Object.fromEntries([...lines.values()].map((l) => [l.id, l.status]));
    expect(statuses).toEqual({
      reach: "ok",
      "managing-login": "ok",
      tls: "warning",
      "command:acl|getuser": "ok",
      "command:acl|setuser": "ok",
      "command:client|list": "ok",
      [`user:${username}`]: "ok",
      "password-rules": "ok",
    });
    expect(lines.get("command:acl|setuser")!.detail).toContain("ACL DRYRUN");
    expect(await admin.passwordHashesOf(username)).toEqual(before);
  });

  it("fails the command a managing user lacks (ACL DRYRUN), with the ACL SETUSER that grants it", async () => {
    const { inputs, managing } = await setup({ managingRules: ["+acl|getuser", "+client|list", "+acl|dryrun"] });
    const lines = await check(inputs);
    expect(lines.get("command:acl|getuser")!.status).toBe("ok");
    expect(lines.get("command:acl|setuser")).toMatchObject({ status: "failed", code: "auth:permission-denied", retryable: false, fix: `ACL SETUSER ${managing.username} +acl|setuser` });
  });

  it("without +acl|dryrun, reads the managing user's own rules: a missing ACL SAVE fails, a missing CLIENT LIST warns", async () => {
    const { inputs, managing } = await setup({ managingRules: ["+acl|getuser", "+acl|setuser"], inputs: { aclSave: true } });
    const lines = await check(inputs);
    expect(lines.get("command:acl|setuser")).toMatchObject({ status: "ok" });
    expect(lines.get("command:acl|setuser")!.detail).toContain("its rules");
    expect(lines.get("command:acl|save")).toMatchObject({ status: "failed", fix: `ACL SETUSER ${managing.username} +acl|save` });
    expect(lines.get("command:client|list")).toMatchObject({ status: "warning" });
  });

  it("names a missing user and a nopass user", async () => {
    const missing = await setup({ user: null });
    expect((await check(missing.inputs)).get(`user:${missing.username}`)).toMatchObject({ status: "failed", code: "target:user-not-found" });
    const nopass = await setup({ user: { password: null, rules: ["nopass", "+ping"] } });
    expect((await check(nopass.inputs)).get(`user:${nopass.username}`)).toMatchObject({ status: "failed", code: "target:rejected" });
  });

  it("fails the managing sign-in on a wrong password after reaching the server, and reachability on a closed port", async () => {
    const { inputs } = await setup();
    const wrong = await check({ ...inputs, managing: { ...inputs.managing, password: "wrong-password-1234" } });
    expect(wrong.get("reach")!.status).toBe("ok");
    expect(wrong.get("managing-login")).toMatchObject({ status: "failed", code: "auth:managing-login-failed" });
    expect(wrong.get("command:acl|setuser")!.status).toBe("skipped");
    const closed = await check({ ...inputs, port: 1 });
    expect(closed.get("reach")).toMatchObject({ status: "failed", code: "target:unreachable", retryable: true });
  });
});

describe("aclAllows", () => {
  it("applies rules left to right, by command, subcommand and category", () => {
    expect(aclAllows("-@all +acl|getuser", "acl|setuser")).toBe(false);
    expect(aclAllows("-@all +acl", "acl|setuser")).toBe(true);
    expect(aclAllows("+@all -acl|setuser", "acl|setuser")).toBe(false);
    expect(aclAllows("-@all +@admin", "client|list")).toBe(true);
    expect(aclAllows("+@all -@dangerous", "acl|save")).toBe(false);
    expect(aclAllows("allcommands", "acl|save")).toBe(true);
    expect(aclAllows("-@all", "acl|setuser", { hasSelectors: true })).toBeNull();
  });
});
