import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { mapAwsError, type AwsCall } from "./aws-errors";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const call = (over: Partial<AwsCall> = {}): AwsCall => ({
  action: "iam:CreateAccessKey",
  signedBy: "managing",
  userName: "app",
  signerKeyId: "AKIAMANAGING00000000",
  secrets: [SECRET],
  ...over,
});
/** Shaped like the SDK's errors: name, Code, $metadata. */
const sdkError = (code: string, status: number, message = "msg", extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name: code, Code: code, $fault: "client", $metadata: { httpStatusCode: status }, ...extra });

describe("mapAwsError", () => {
  it.each([
    [sdkError("NoSuchEntity", 404), call({ action: "iam:GetUser" }), "target:user-not-found"],
    [sdkError("NoSuchEntity", 404), call({ action: "iam:DeleteAccessKey", accessKeyId: "AKIAX" }), "target:unknown-credential"],
    [sdkError("AccessDenied", 403), call(), "auth:permission-denied"],
    [sdkError("LimitExceeded", 409), call(), "target:limit-exceeded"],
    [sdkError("InvalidClientTokenId", 403), call(), "auth:managing-login-failed"],
    [sdkError("SignatureDoesNotMatch", 403), call({ signedBy: "credential" }), "auth:verify-failed"],
    [sdkError("Throttling", 400), call(), "target:rejected"],
    [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), call(), "target:unreachable"],
    [Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), call(), "target:unreachable"],
  ])("maps %s", (error, c, code) => {
    expect(mapAwsError(error, c).code).toBe(code);
  });

  it("marks transient failures retryable and configuration failures not", () => {
    expect(mapAwsError(sdkError("ServiceFailure", 500), call()).retryable).toBe(true);
    expect(mapAwsError(sdkError("AccessDenied", 403), call()).retryable).toBe(false);
  });

  it("names the action and the needed permissions when access is denied", () => {
    const error = mapAwsError(sdkError("AccessDenied", 403, "User: arn:aws:iam::1:user/x is not authorized to perform: iam:CreateAccessKey"), call());
    expect(error.message).toContain("not allowed to call iam:CreateAccessKey on IAM user app");
    expect(error.message).toContain("iam:DeleteAccessKey");
  });

  it("never keeps a secret, neither in the message nor in the cause (which drops the raw response)", () => {
    const error = mapAwsError(
      sdkError("SerializationException", 200, `Unexpected body containing ${SECRET}`, { $responseBodyText: `<SecretAccessKey>${SECRET}</SecretAccessKey>` }),
      call(),
    );
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(SECRET);
    expect(error.message).toContain("[redacted]");
  });
});
