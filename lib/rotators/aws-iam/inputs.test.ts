import { describe, expect, it } from "vitest";
import { parseUserRef } from "./arn";
import { awsIamInputsSchema } from "./inputs";

const login = { kind: "static" as const, accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

function issues(input: unknown): string[] {
  const parsed = awsIamInputsSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("aws-iam inputs", () => {
  it("applies defaults", () => {
    const inputs = awsIamInputsSchema.parse({ userName: "app", login });
    expect(inputs).toMatchObject({
      region: "us-east-1",
      userName: "app",
      verifyTimeoutSeconds: 60,
      backoff: { initialDelayMs: 1000, maxDelayMs: 8000, multiplier: 2 },
    });
  });

  it("accepts a login-less configuration (the engine supplies credentials)", () => {
    expect(issues({ userName: "app" })).toEqual([]);
  });

  it.each(["us-east-1", "eu-central-2", "us-gov-west-1", "cn-northwest-1", "ap-southeast-5", "il-central-1"])("accepts region %s", (region) => {
    expect(issues({ userName: "app", region })).toEqual([]);
  });

  it.each(["us-east", "US-EAST-1", "useast1", "mars", "us-east-1 ", "eu_west_1", ""])("rejects region %j", (region) => {
    const found = issues({ userName: "app", region });
    if (region === "us-east-1 ") return expect(found).toEqual([]); // trimmed
    expect(found.join()).toContain("Not an AWS region name");
  });

  it.each([
    ["arn:aws:iam::123456789012:role/app", "names a role, not a user"],
    ["arn:aws:iam::123456789012:group/admins", "names a group, not a user"],
    ["arn:aws:iam::12345:user/app", "account id must be 12 digits"],
    ["arn:aws:s3:::bucket/user/app", "service is \"s3\""],
    ["arn:aws:iam:us-east-1:123456789012:user/app", "empty region"],
    ["arn:aws:iam::123456789012:user/", "not a valid user name"],
    ["arn:aws:iam::123456789012:user/a//b", "empty or invalid segment"],
    ["arn:foo:iam::123456789012:user/app", "unknown partition"],
    ["arn:aws:iam::123456789012", "six colon-separated parts"],
  ])("rejects %s with a clear message", (arn, why) => {
    const found = issues({ userName: arn, login }).join();
    expect(found).toContain(`Not an IAM user ARN: ${arn}`);
    expect(found).toContain(why);
  });

  it("rejects invalid user names", () => {
    expect(issues({ userName: "bad name!" }).join()).toContain("Not a valid IAM user name");
    expect(issues({ userName: "x".repeat(65) }).join()).toContain("Not a valid IAM user name");
  });

  it("parses user ARNs with and without a path, in any partition", () => {
    expect(parseUserRef("arn:aws:iam::123456789012:user/division/team/app")).toEqual({
      ok: true,
      ref: {
        userName: "app",
        arn: { partition: "aws", accountId: "123456789012", path: "/division/team/", value: "arn:aws:iam::123456789012:user/division/team/app" },
      },
    });
    expect(parseUserRef("arn:aws-us-gov:iam::123456789012:user/app")).toMatchObject({ ok: true, ref: { userName: "app", arn: { path: "/" } } });
    expect(parseUserRef("app@example.com")).toEqual({ ok: true, ref: { userName: "app@example.com" } });
  });

  it("validates static login keys", () => {
    expect(issues({ userName: "app", login: { ...login, accessKeyId: "not-a-key" } }).join()).toContain("Not an AWS access key id");
    expect(issues({ userName: "app", login: { ...login, secretAccessKey: "" } }).join()).toContain("Secret access key is required");
  });

  it("bounds the verify timeout and backoff", () => {
    expect(issues({ userName: "app", verifyTimeoutSeconds: 0 })).not.toEqual([]);
    expect(issues({ userName: "app", backoff: { initialDelayMs: 5000, maxDelayMs: 1000, multiplier: 2 } }).join()).toContain("maxDelayMs");
  });
});
