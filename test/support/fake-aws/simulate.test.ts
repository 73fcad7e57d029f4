/**
 * The fake's SimulatePrincipalPolicy, through the real SDK client: EvaluationResults as AWS documents them, the
 * decisions from the policies the fake knows, and AccessDenied when the caller may not simulate.
 */
import { IAMClient, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { installWebIdentity, startFakeAws, type AwsKeyPair, type FakeAws } from "./index";

let fake: FakeAws;
beforeEach(async () => {
  fake = await startFakeAws();
});
afterEach(async () => {
  await fake.stop();
});

const iam = (credentials: AwsKeyPair) => new IAMClient({ region: "us-east-1", endpoint: fake.url, credentials, maxAttempts: 1 });

describe("fake IAM SimulatePrincipalPolicy", () => {
  it("evaluates each action on each resource: allowed, implicitDeny, explicitDeny", async () => {
    const rotor = fake.admin.createUser("rotor", { policy: ["iam:*"], deny: ["iam:DeleteAccessKey"] });
    fake.admin.createUser("app");
    const app = `arn:aws:iam::${fake.accountId}:user/app`;
    const out = await iam(fake.adminCredentials).send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: rotor.arn, ActionNames: ["iam:CreateAccessKey", "iam:DeleteAccessKey", "s3:GetObject"], ResourceArns: [app] }),
    );
    expect(out.IsTruncated).toBe(false);
    expect(out.EvaluationResults!.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision])).toEqual([
      ["iam:CreateAccessKey", app, "allowed"],
      ["iam:DeleteAccessKey", app, "explicitDeny"],
      ["s3:GetObject", app, "implicitDeny"],
    ]);
  });

  it("answers AccessDenied when the caller may not simulate, InvalidInput for a session ARN, NoSuchEntity for an unknown user", async () => {
    fake.admin.createUser("rotor", { policy: ["iam:GetUser"] });
    const key = fake.admin.seedAccessKey("rotor");
    const own = fake.admin.store.getUser("rotor").arn;
    await expect(iam(key).send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: own, ActionNames: ["iam:GetUser"] }))).rejects.toMatchObject({
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
    });
    const admin = iam(fake.adminCredentials);
    await expect(admin.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:sts::${fake.accountId}:assumed-role/r/s`, ActionNames: ["iam:GetUser"] }))).rejects.toMatchObject({ name: "InvalidInputException", $metadata: { httpStatusCode: 400 } });
    await expect(admin.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${fake.accountId}:user/nobody`, ActionNames: ["iam:GetUser"] }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it("knows the policies of roles (web identity), with resource \"*\" by default", async () => {
    const web = installWebIdentity(fake);
    const role = web.createRole({ roleName: "rotor-role", trustPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: "x" }, Action: "sts:AssumeRoleWithWebIdentity" }] }, policy: ["iam:ListAccessKeys"] });
    const out = await iam(fake.adminCredentials).send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: role.arn, ActionNames: ["iam:ListAccessKeys", "iam:CreateAccessKey"] }));
    expect(out.EvaluationResults!.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision])).toEqual([
      ["iam:ListAccessKeys", "*", "allowed"],
      ["iam:CreateAccessKey", "*", "implicitDeny"],
    ]);
  });
});
