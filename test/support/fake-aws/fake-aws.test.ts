import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAws, type AwsKeyPair, type FakeAws } from "./index";

type Creds = AwsKeyPair & { sessionToken?: string };

let fake: FakeAws;
let clock: number;

const iam = (credentials: Creds) =>
  new IAMClient({ region: "us-east-1", endpoint: fake.url, credentials, maxAttempts: 1 });
const sts = (credentials: Creds) =>
  new STSClient({ region: "us-east-1", endpoint: fake.url, credentials, maxAttempts: 1 });
const whoAmI = (credentials: Creds) => sts(credentials).send(new GetCallerIdentityCommand({}));

/** The SDK error's AWS code and HTTP status, for compact assertions. */
async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    const e = error as { Code?: string; name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.Code ?? e.name, name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error("expected the call to fail");
}

beforeEach(async () => {
  clock = Date.parse("2026-03-01T12:00:00Z");
  fake = await startFakeAws({ now: () => clock });
});
afterEach(async () => {
  await fake.stop();
});

describe("fake AWS: signatures", () => {
  it("answers GetCallerIdentity for the admin key", async () => {
    const id = await whoAmI(fake.adminCredentials);
    expect(id.Arn).toBe(`arn:aws:iam::123456789012:user/rotor-admin`);
    expect(id.Account).toBe("123456789012");
    expect(id.UserId).toBe(fake.adminUser.userId);
  });

  it("refuses a wrong secret with SignatureDoesNotMatch (403)", async () => {
    const wrong = { accessKeyId: fake.adminCredentials.accessKeyId, secretAccessKey: "x".repeat(40) };
    expect(await failure(whoAmI(wrong))).toMatchObject({ code: "SignatureDoesNotMatch", status: 403 });
    expect(await failure(iam(wrong).send(new GetUserCommand({})))).toMatchObject({ code: "SignatureDoesNotMatch", status: 403 });
  });

  it("refuses an unknown key with InvalidClientTokenId (403)", async () => {
    const unknown = { accessKeyId: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: "x".repeat(40) };
    expect(await failure(whoAmI(unknown))).toMatchObject({ code: "InvalidClientTokenId", status: 403 });
  });

  it("refuses an inactive key and accepts it again once reactivated", async () => {
    fake.admin.createUser("app");
    const key = fake.admin.seedAccessKey("app");
    await iam(fake.adminCredentials).send(new UpdateAccessKeyCommand({ UserName: "app", AccessKeyId: key.accessKeyId, Status: "Inactive" }));
    expect(await failure(whoAmI(key))).toMatchObject({ code: "InvalidClientTokenId" });
    await iam(fake.adminCredentials).send(new UpdateAccessKeyCommand({ UserName: "app", AccessKeyId: key.accessKeyId, Status: "Active" }));
    expect((await whoAmI(key)).Arn).toMatch(/:user\/app$/);
  });

  it("requires the session token of temporary credentials", async () => {
    fake.admin.createUser("app");
    const session = fake.admin.issueSessionCredentials("app");
    expect((await whoAmI(session)).Arn).toMatch(/:user\/app$/);
    const { sessionToken: _omit, ...withoutToken } = session;
    expect(await failure(whoAmI(withoutToken))).toMatchObject({ code: "InvalidClientTokenId" });
  });

  it("serves IAM and STS through AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS", async () => {
    const restore = fake.useAsDefaultEndpoint();
    try {
      const client = new STSClient({ region: "eu-west-1", credentials: fake.adminCredentials });
      expect((await client.send(new GetCallerIdentityCommand({}))).Account).toBe("123456789012");
      const iamClient = new IAMClient({ region: "eu-west-1", credentials: fake.adminCredentials });
      expect((await iamClient.send(new GetUserCommand({}))).User?.UserName).toBe("rotor-admin");
    } finally {
      restore();
    }
  });
});

describe("fake AWS: access keys", () => {
  it("creates keys with CreateDate and enforces 2 keys per user (409 LimitExceeded)", async () => {
    fake.admin.createUser("app");
    const admin = iam(fake.adminCredentials);
    const first = await admin.send(new CreateAccessKeyCommand({ UserName: "app" }));
    expect(first.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(first.AccessKey?.SecretAccessKey).toHaveLength(40);
    expect(first.AccessKey?.CreateDate).toBeInstanceOf(Date);
    await admin.send(new CreateAccessKeyCommand({ UserName: "app" }));
    const third = await failure(admin.send(new CreateAccessKeyCommand({ UserName: "app" })));
    expect(third).toMatchObject({ code: "LimitExceeded", name: "LimitExceededException", status: 409 });
    expect(third.message).toBe("Cannot exceed quota for AccessKeysPerUser: 2");

    const listed = await admin.send(new ListAccessKeysCommand({ UserName: "app" }));
    expect(listed.AccessKeyMetadata?.map((k) => k.Status)).toEqual(["Active", "Active"]);
    expect(listed.AccessKeyMetadata?.[0].CreateDate?.toISOString()).toBe("2026-03-01T12:00:00.000Z");
  });

  it("answers NoSuchEntity (404) for unknown users and keys", async () => {
    fake.admin.createUser("app");
    const admin = iam(fake.adminCredentials);
    expect(await failure(admin.send(new GetUserCommand({ UserName: "ghost" })))).toMatchObject({
      code: "NoSuchEntity",
      name: "NoSuchEntityException",
      status: 404,
    });
    expect(await failure(admin.send(new DeleteAccessKeyCommand({ UserName: "app", AccessKeyId: "AKIAAAAAAAAAAAAAAAAA" })))).toMatchObject({
      code: "NoSuchEntity",
      status: 404,
    });
    // A key of another user is not found either.
    expect(
      await failure(admin.send(new DeleteAccessKeyCommand({ UserName: "app", AccessKeyId: fake.adminCredentials.accessKeyId }))),
    ).toMatchObject({ code: "NoSuchEntity" });
  });

  it("deletes keys", async () => {
    fake.admin.createUser("app");
    const key = fake.admin.seedAccessKey("app");
    await iam(fake.adminCredentials).send(new DeleteAccessKeyCommand({ UserName: "app", AccessKeyId: key.accessKeyId }));
    expect(fake.admin.listAccessKeys("app")).toEqual([]);
    expect(await failure(whoAmI(key))).toMatchObject({ code: "InvalidClientTokenId" });
  });

  it("refuses new keys for the propagation delay, then accepts them", async () => {
    fake.admin.createUser("app");
    fake.admin.setPropagationDelay(8_000);
    const created = await iam(fake.adminCredentials).send(new CreateAccessKeyCommand({ UserName: "app" }));
    const key = { accessKeyId: created.AccessKey!.AccessKeyId!, secretAccessKey: created.AccessKey!.SecretAccessKey! };
    expect(await failure(whoAmI(key))).toMatchObject({ code: "InvalidClientTokenId", status: 403 });
    clock += 7_999;
    expect(await failure(whoAmI(key))).toMatchObject({ code: "InvalidClientTokenId" });
    clock += 1;
    expect((await whoAmI(key)).Arn).toMatch(/:user\/app$/);
  });

  it("denies actions the caller's policy does not allow, naming the action", async () => {
    fake.admin.createUser("app");
    fake.admin.createUser("limited", { policy: ["iam:GetUser"] });
    const limited = fake.admin.seedAccessKey("limited");
    await iam(limited).send(new GetUserCommand({ UserName: "app" }));
    const denied = await failure(iam(limited).send(new CreateAccessKeyCommand({ UserName: "app" })));
    expect(denied).toMatchObject({ code: "AccessDenied", status: 403 });
    expect(denied.message).toContain("iam:CreateAccessKey");
  });
});

describe("fake AWS: tags", () => {
  it("tags, lists and untags a user", async () => {
    fake.admin.createUser("app");
    const admin = iam(fake.adminCredentials);
    await admin.send(new TagUserCommand({ UserName: "app", Tags: [{ Key: "rotor:key:AKIA1", Value: "2026-03-01T12:00:00Z" }, { Key: "team", Value: "x" }] }));
    await admin.send(new TagUserCommand({ UserName: "app", Tags: [{ Key: "team", Value: "y" }] }));
    const tags = await admin.send(new ListUserTagsCommand({ UserName: "app" }));
    expect(tags.Tags).toEqual([
      { Key: "rotor:key:AKIA1", Value: "2026-03-01T12:00:00Z" },
      { Key: "team", Value: "y" },
    ]);
    await admin.send(new UntagUserCommand({ UserName: "app", TagKeys: ["team", "absent"] }));
    expect(fake.admin.userTags("app")).toEqual({ "rotor:key:AKIA1": "2026-03-01T12:00:00Z" });
    expect((await admin.send(new GetUserCommand({ UserName: "app" }))).User?.Tags).toHaveLength(1);
  });

  it("enforces 50 tags per user", async () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, "v"]));
    fake.admin.createUser("app", { tags });
    const over = await failure(iam(fake.adminCredentials).send(new TagUserCommand({ UserName: "app", Tags: [{ Key: "one-more", Value: "v" }] })));
    expect(over).toMatchObject({ code: "LimitExceeded", status: 409 });
  });
});

describe("fake AWS: faults", () => {
  it("fails the next call of an action with an injected error, once", async () => {
    fake.admin.injectFault({ action: "GetCallerIdentity", kind: "error", code: "Throttling", status: 400 });
    expect(await failure(whoAmI(fake.adminCredentials))).toMatchObject({ code: "Throttling" });
    await whoAmI(fake.adminCredentials);
  });

  it("drop-after performs CreateAccessKey but the client never sees the secret", async () => {
    fake.admin.createUser("app");
    fake.admin.injectFault({ action: "CreateAccessKey", kind: "drop-after" });
    const lost = await failure(iam(fake.adminCredentials).send(new CreateAccessKeyCommand({ UserName: "app" })));
    expect(lost.status).toBeUndefined();
    expect(fake.admin.listAccessKeys("app")).toHaveLength(1);
    expect(fake.admin.calls().at(-1)).toMatchObject({ action: "CreateAccessKey", status: 0, fault: "drop-after" });
  });

  it("drop-before fails without performing the action", async () => {
    fake.admin.createUser("app");
    fake.admin.injectFault({ action: "CreateAccessKey", kind: "drop-before" });
    await failure(iam(fake.adminCredentials).send(new CreateAccessKeyCommand({ UserName: "app" })));
    expect(fake.admin.listAccessKeys("app")).toHaveLength(0);
  });
});
