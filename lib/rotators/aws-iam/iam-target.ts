/**
 * The IAM calls the rotator makes, each with its policy action name for error messages and every secret we
 * hold registered for redaction. One object per rotator call; clients are cheap to create.
 */
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  SimulatePrincipalPolicyCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { RotatorError } from "../errors";
import type { AwsCredentials } from "../types";
import { sameUserName, type UserRef } from "./arn";
import { awsCall, awsErrorCode, mapAwsError, type AwsCall } from "./aws-errors";
import { createIamClient } from "./clients";
import type { Tag } from "./key-tags";
import type { IamKey } from "./key-plan";

export interface IamUser {
  userName: string;
  arn: string;
  userId: string;
}

export interface CreatedKey {
  accessKeyId: string;
  secretAccessKey: string;
  createDate: Date;
}

export class IamTarget {
  private readonly client: IAMClient;
  /** No SDK retries: a retried CreateAccessKey after a lost response would create a second key. */
  private readonly createClient: IAMClient;
  readonly secrets: (string | undefined)[];

  constructor(
    readonly userName: string,
    private readonly options: { region: string; credentials: AwsCredentials; endpoint?: string; signal?: AbortSignal },
  ) {
    this.client = createIamClient(options);
    this.createClient = createIamClient({ ...options, maxAttempts: 1 });
    this.secrets = [options.credentials.secretAccessKey, options.credentials.sessionToken];
  }

  destroy(): void {
    this.client.destroy();
    this.createClient.destroy();
  }

  /** Register a secret that must never appear in messages (e.g. a newly created key's). */
  addSecret(secret: string) {
    this.secrets.push(secret);
  }

  private describe(action: string, accessKeyId?: string): AwsCall {
    return {
      action,
      signedBy: "managing",
      userName: this.userName,
      accessKeyId,
      signerKeyId: this.options.credentials.accessKeyId,
      secrets: this.secrets,
    };
  }

  private call<T>(action: string, run: () => Promise<T>): Promise<T> {
    return awsCall(this.describe(action), run);
  }

  private get sendOptions() {
    return this.options.signal ? { abortSignal: this.options.signal } : {};
  }

  async getUser(): Promise<IamUser> {
    const out = await this.call("iam:GetUser", () =>
      this.client.send(new GetUserCommand({ UserName: this.userName }), this.sendOptions),
    );
    const user = out.User;
    if (!user?.Arn || !user.UserName) throw new RotatorError("internal:unexpected", "IAM GetUser returned no user.");
    return { userName: user.UserName, arn: user.Arn, userId: user.UserId ?? "" };
  }

  /**
   * GetUser, and when the inputs named the user by ARN, check that it is the same user in the same account:
   * a login for the wrong account could otherwise rotate a same-named user there.
   */
  async resolveUser(ref: UserRef): Promise<IamUser> {
    const user = await this.getUser();
    if (ref.arn) {
      const found = user.arn.split(":");
      if (found[4] !== ref.arn.accountId || !sameUserName(user.userName, ref.userName)) {
        throw new RotatorError(
          "target:user-not-found",
          `The managing credentials see ${user.arn}, not ${ref.arn.value}: the login is probably for another AWS account.`,
        );
      }
    }
    return user;
  }

  async listKeys(): Promise<IamKey[]> {
    const keys: IamKey[] = [];
    let marker: string | undefined;
    do {
      const out = await this.call("iam:ListAccessKeys", () =>
        this.client.send(new ListAccessKeysCommand({ UserName: this.userName, Marker: marker }), this.sendOptions),
      );
      for (const k of out.AccessKeyMetadata ?? []) {
        if (k.AccessKeyId) keys.push({ accessKeyId: k.AccessKeyId, status: k.Status ?? "Active", createDate: k.CreateDate });
      }
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    return keys;
  }

  /** GetAccessKeyLastUsed: when, with which service and where the key was last used (no date: never). */
  async keyLastUsed(accessKeyId: string): Promise<{ lastUsedDate?: Date; serviceName?: string; region?: string }> {
    const out = await awsCall(this.describe("iam:GetAccessKeyLastUsed", accessKeyId), () =>
      this.client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }), this.sendOptions),
    );
    const used = out.AccessKeyLastUsed;
    return { lastUsedDate: used?.LastUsedDate, serviceName: used?.ServiceName, region: used?.Region };
  }

  async listTags(): Promise<Tag[]> {
    const tags: Tag[] = [];
    let marker: string | undefined;
    do {
      const out = await this.call("iam:ListUserTags", () =>
        this.client.send(new ListUserTagsCommand({ UserName: this.userName, Marker: marker }), this.sendOptions),
      );
      tags.push(...(out.Tags ?? []));
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    return tags;
  }

  /** Never retried by the SDK (see createClient). Throws mapped errors. */
  async createKey(): Promise<CreatedKey> {
    const out = await this.call("iam:CreateAccessKey", () =>
      this.createClient.send(new CreateAccessKeyCommand({ UserName: this.userName }), this.sendOptions),
    );
    const key = out.AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) {
      throw new RotatorError("internal:unexpected", "IAM CreateAccessKey returned no key.");
    }
    this.addSecret(key.SecretAccessKey);
    return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey, createDate: key.CreateDate ?? new Date() };
  }

  /**
   * Deactivate, then delete. Deactivating first means that if the delete fails (or we crash in between), the
   * key is already harmless and can be reactivated by an operator if it turns out someone still needed it.
   * A key that is already gone is not an error: the goal state is reached.
   */
  async removeKey(accessKeyId: string): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      ["iam:UpdateAccessKey", () => this.client.send(new UpdateAccessKeyCommand({ UserName: this.userName, AccessKeyId: accessKeyId, Status: "Inactive" }), this.sendOptions)],
      ["iam:DeleteAccessKey", () => this.client.send(new DeleteAccessKeyCommand({ UserName: this.userName, AccessKeyId: accessKeyId }), this.sendOptions)],
    ];
    for (const [action, run] of steps) {
      try {
        await run();
      } catch (error) {
        if (awsErrorCode(error) === "NoSuchEntity") return;
        throw mapAwsError(error, this.describe(action, accessKeyId));
      }
    }
  }

  /**
   * IAM's own policy evaluation (SimulatePrincipalPolicy) of `actions` on `resourceArn` for the identity
   * `policySourceArn`: "allowed", "implicitDeny" or "explicitDeny" per action. Changes nothing.
   */
  async simulate(policySourceArn: string, actions: readonly string[], resourceArn: string): Promise<Map<string, string>> {
    const decisions = new Map<string, string>();
    let marker: string | undefined;
    do {
      const out = await this.call("iam:SimulatePrincipalPolicy", () =>
        this.client.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: policySourceArn, ActionNames: [...actions], ResourceArns: [resourceArn], Marker: marker }), this.sendOptions),
      );
      for (const result of out.EvaluationResults ?? []) {
        if (result.EvalActionName && result.EvalDecision) decisions.set(result.EvalActionName, result.EvalDecision);
      }
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    return decisions;
  }

  /** Deactivate or reactivate a key (grace, rollback). NoSuchEntity is thrown as target:unknown-credential. */
  async setKeyStatus(accessKeyId: string, status: "Active" | "Inactive"): Promise<void> {
    try {
      await this.client.send(new UpdateAccessKeyCommand({ UserName: this.userName, AccessKeyId: accessKeyId, Status: status }), this.sendOptions);
    } catch (error) {
      if (awsErrorCode(error) === "NoSuchEntity") {
        throw new RotatorError("target:unknown-credential", `Access key ${accessKeyId} no longer exists at IAM user ${this.userName} (deleted by a rotation or by someone else).`, { cause: error });
      }
      throw mapAwsError(error, this.describe("iam:UpdateAccessKey", accessKeyId));
    }
  }

  async tag(tags: Tag[]): Promise<void> {
    if (tags.length === 0) return;
    await this.call("iam:TagUser", () =>
      this.client.send(new TagUserCommand({ UserName: this.userName, Tags: tags.map((t) => ({ Key: t.Key!, Value: t.Value ?? "" })) }), this.sendOptions),
    );
  }

  async untag(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.call("iam:UntagUser", () =>
      this.client.send(new UntagUserCommand({ UserName: this.userName, TagKeys: keys }), this.sendOptions),
    );
  }
}
