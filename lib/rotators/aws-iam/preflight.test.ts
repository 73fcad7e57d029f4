/**
 * aws-iam preflight ("Check rotation") against the fake IAM/STS endpoint through the real SDK clients: each IAM
 * action by SimulatePrincipalPolicy (a denied and an explicitly denied action fail, with the policy to change),
 * read calls when the managing identity may not simulate, the key slots, and that nothing changes.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAws, type FakeAws } from "@/test/support/fake-aws";
import type { CheckLine, RotatorContext, RotatorState } from "../types";
import { runPreflight } from "../preflight";
import { awsIamRotator } from "./index";
import { awsIamInputsSchema } from "./inputs";
import { policySourceOf } from "./preflight";

const EMPTY: RotatorState = { current: null, previous: null };
const context: RotatorContext = { checkpoint: async () => {} };
const ROTATION = ["iam:GetUser", "iam:ListAccessKeys", "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey", "iam:ListUserTags", "iam:TagUser", "iam:UntagUser"];

let fake: FakeAws;
let restoreEndpoint: () => void;

beforeEach(async () => {
  fake = await startFakeAws();
  restoreEndpoint = fake.useAsDefaultEndpoint();
  fake.admin.createUser("app");
});

afterEach(async () => {
  restoreEndpoint();
  await fake.stop();
});

/** A managing IAM user with exactly these allowed (and explicitly denied) actions, and its key. */
function manager(policy: string[], deny: string[] = []) {
  const user = fake.admin.createUser(`rotor-${Math.random().toString(36).slice(2, 8)}`, { policy, deny });
  return { arn: user.arn, key: fake.admin.seedAccessKey(user.userName) };
}

async function check(login: { accessKeyId: string; secretAccessKey: string }, state: RotatorState = EMPTY, userName = "app"): Promise<Map<string, CheckLine>> {
  const inputs = awsIamInputsSchema.parse({ userName, login: { kind: "static", ...login } });
  const { checks } = await runPreflight(awsIamRotator, { inputs, state, context });
  for (const line of checks) if (line.status === "failed") expect(line.fix, `${line.id} has a fix`).toBeTruthy();
  return new Map(checks.map((line) => [line.id, line]));
}

const writes = () => fake.admin.calls().filter((c) => /Create|Update|Delete|Tag|Untag/.test(c.action) && !/List/.test(c.action));

describe("aws-iam preflight", () => {
  it("proves every action by SimulatePrincipalPolicy and changes nothing", async () => {
    const m = manager([...ROTATION, "iam:SimulatePrincipalPolicy"]);
    const lines = await check(m.key);
    expect(lines.get("reach")!.status).toBe("ok");
    expect(lines.get("managing-login")!.detail).toContain(m.arn);
    expect(lines.get("user")!.status).toBe("ok");
    for (const action of ROTATION) expect(lines.get(action), action).toMatchObject({ status: "ok", detail: "Allowed (SimulatePrincipalPolicy)." });
    expect(lines.get("key-slots")!.status).toBe("ok");
    expect(lines.get("password-rules")!.status).toBe("skipped");
    expect(lines.has("simulate")).toBe(false);
    expect(writes()).toEqual([]);
    expect(fake.admin.calls().filter((c) => c.action === "SimulatePrincipalPolicy")).toHaveLength(1);
  });

  it("fails a denied action and an explicitly denied one, each with the policy to change; missing tag actions only warn", async () => {
    const m = manager(["iam:GetUser", "iam:ListAccessKeys", "iam:UpdateAccessKey", "iam:DeleteAccessKey", "iam:SimulatePrincipalPolicy", "iam:ListUserTags"], ["iam:DeleteAccessKey"]);
    const lines = await check(m.key);
    const app = fake.admin.store.getUser("app").arn;
    expect(lines.get("iam:CreateAccessKey")).toMatchObject({ status: "failed", code: "auth:permission-denied", retryable: false, fix: `Allow iam:CreateAccessKey on ${app} in a policy of ${m.arn}.` });
    expect(lines.get("iam:CreateAccessKey")!.detail).toContain("implicitDeny");
    expect(lines.get("iam:DeleteAccessKey")).toMatchObject({ status: "failed", code: "auth:permission-denied" });
    expect(lines.get("iam:DeleteAccessKey")!.detail).toContain("explicitDeny");
    expect(lines.get("iam:DeleteAccessKey")!.fix).toMatch(/Remove or narrow the Deny statement/);
    expect(lines.get("iam:TagUser")!.status).toBe("warning");
    expect(lines.get("iam:UpdateAccessKey")!.status).toBe("ok");
  });

  it("without iam:SimulatePrincipalPolicy: warns, proves the read calls, leaves the write actions unproven, and fails a refused read", async () => {
    const m = manager(["iam:GetUser", "iam:ListUserTags", "iam:CreateAccessKey"]);
    const lines = await check(m.key);
    expect(lines.get("simulate")).toMatchObject({ status: "warning" });
    expect(lines.get("simulate")!.fix).toContain(`iam:SimulatePrincipalPolicy on ${m.arn}`);
    expect(lines.get("iam:GetUser")!.status).toBe("ok");
    expect(lines.get("iam:ListUserTags")!.status).toBe("ok");
    expect(lines.get("iam:ListAccessKeys")).toMatchObject({ status: "failed", code: "auth:permission-denied" });
    expect(lines.get("iam:CreateAccessKey")!.status).toBe("skipped");
    expect(lines.get("key-slots")!.status).toBe("skipped");
    expect(writes()).toEqual([]);
  });

  it("fails the key slots when two keys Rotor does not manage fill them", async () => {
    fake.admin.seedAccessKey("app");
    fake.admin.seedAccessKey("app");
    const lines = await check(fake.adminCredentials);
    expect(lines.get("key-slots")).toMatchObject({ status: "failed", code: "target:limit-exceeded", retryable: false });
  });

  it("names a missing user, and a rejected managing login after reaching AWS", async () => {
    const missing = await check(fake.adminCredentials, EMPTY, "nobody");
    expect(missing.get("user")).toMatchObject({ status: "failed", code: "target:user-not-found" });
    const wrong = await check({ accessKeyId: fake.adminCredentials.accessKeyId, secretAccessKey: "x".repeat(40) });
    expect(wrong.get("reach")!.status).toBe("ok");
    expect(wrong.get("managing-login")).toMatchObject({ status: "failed", code: "auth:managing-login-failed" });
    expect(wrong.get("iam:CreateAccessKey")!.status).toBe("skipped");
    expect(JSON.stringify([...wrong.values()])).not.toContain("x".repeat(40));
  });

  it("simulates an assumed role's policies through its role ARN", () => {
    expect(policySourceOf("arn:aws:sts::123456789012:assumed-role/rotor/session-1")).toBe("arn:aws:iam::123456789012:role/rotor");
    expect(policySourceOf("arn:aws:iam::123456789012:user/ops/rotor")).toBe("arn:aws:iam::123456789012:user/ops/rotor");
    expect(policySourceOf("arn:aws:iam::123456789012:root")).toBeNull();
  });
});
