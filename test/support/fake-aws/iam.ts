/**
 * IAM actions of the fake (API version 2010-05-08, awsQuery). Only what Rotor uses, but with IAM's documented
 * rules: 2 access keys per user, keys addressed within their user, 50 tags per user, NoSuchEntity for
 * anything unknown, and SimulatePrincipalPolicy over the policies the fake knows (allow lists and explicit denies).
 */
import { FakeAwsError, limitExceeded, noSuchEntity, validationError } from "./errors";
import { memberList, required, type QueryActionContext, type QueryActionHandler, type QueryService } from "./protocol";
import { evaluatePolicy, TAGS_PER_USER, type FakeAccessKey, type FakeUser } from "./store";
import { el, list, node } from "./xml";

export const IAM_VERSION = "2010-05-08";
export const IAM_XMLNS = "https://iam.amazonaws.com/doc/2010-05-08/";

/** The user an action is about: `UserName` if given, else the signing user (as IAM does). */
function targetUser(ctx: QueryActionContext, action: string): FakeUser {
  const named = ctx.params.UserName;
  if (named) {
    const user = ctx.store.users.get(named.toLowerCase());
    // Authorize before revealing whether the user exists, like IAM.
    ctx.authorize(action, `arn:aws:iam::${ctx.store.accountId}:user/${named}`);
    return user ?? ctx.store.getUser(named);
  }
  const self = ctx.caller?.userName;
  if (!self) throw validationError("Must specify userName when calling with non-User credentials");
  const user = ctx.store.getUser(self);
  ctx.authorize(action, user.arn);
  return user;
}

const keyMetadataXml = (k: FakeAccessKey) =>
  el("UserName", k.userName) + el("AccessKeyId", k.accessKeyId) + el("Status", k.status) + el("CreateDate", k.createDate);

const tagsXml = (tags: Map<string, string>) =>
  list("Tags", [...tags].map(([k, v]) => el("Key", k) + el("Value", v)));

const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
function validateTag(key: string, value: string) {
  if (key.length < 1 || key.length > 128 || !TAG_CHARS.test(key)) {
    throw new FakeAwsError("InvalidInput", `Invalid tag key: ${key}`, 400);
  }
  if (key.toLowerCase().startsWith("aws:")) {
    throw new FakeAwsError("InvalidInput", "Tag keys beginning with 'aws:' are reserved for AWS use.", 400);
  }
  if (value.length > 256 || !TAG_CHARS.test(value)) {
    throw new FakeAwsError("InvalidInput", `Invalid tag value for key ${key}.`, 400);
  }
}

const actions: Record<string, QueryActionHandler> = {
  GetUser(ctx) {
    const user = targetUser(ctx, "iam:GetUser");
    return node(
      "User",
      el("Path", user.path) +
        el("UserName", user.userName) +
        el("UserId", user.userId) +
        el("Arn", user.arn) +
        el("CreateDate", user.createDate) +
        (user.tags.size ? tagsXml(user.tags) : ""),
    );
  },

  ListAccessKeys(ctx) {
    const user = targetUser(ctx, "iam:ListAccessKeys");
    const keys = ctx.store.keysOf(user.userName).sort((a, b) => a.createDate.getTime() - b.createDate.getTime());
    return list("AccessKeyMetadata", keys.map(keyMetadataXml)) + el("IsTruncated", false);
  },

  CreateAccessKey(ctx) {
    const user = targetUser(ctx, "iam:CreateAccessKey");
    const key = ctx.store.createAccessKey(user.userName, { propagated: false });
    return node("AccessKey", keyMetadataXml(key) + el("SecretAccessKey", key.secretAccessKey));
  },

  UpdateAccessKey(ctx) {
    const user = targetUser(ctx, "iam:UpdateAccessKey");
    const status = required(ctx.params, "Status");
    if (status !== "Active" && status !== "Inactive") {
      throw validationError(`1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`);
    }
    ctx.store.findUserKey(user.userName, required(ctx.params, "AccessKeyId")).status = status;
    return null;
  },

  DeleteAccessKey(ctx) {
    const user = targetUser(ctx, "iam:DeleteAccessKey");
    const key = ctx.store.findUserKey(user.userName, required(ctx.params, "AccessKeyId"));
    ctx.store.keys.delete(key.accessKeyId);
    return null;
  },

  /**
   * As AWS documents it: the key's owner, and when, with which service and in which region it was last used;
   * LastUsedDate absent and ServiceName/Region "N/A" when it never was. Authorized on the owning user.
   */
  GetAccessKeyLastUsed(ctx) {
    const accessKeyId = required(ctx.params, "AccessKeyId");
    const key = ctx.store.keys.get(accessKeyId);
    if (!key) throw new FakeAwsError("AccessDenied", `User: ${ctx.caller?.arn ?? "anonymous"} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${accessKeyId}`, 403);
    const user = ctx.store.getUser(key.userName);
    ctx.authorize("iam:GetAccessKeyLastUsed", user.arn);
    const used = key.lastUsed;
    return (
      el("UserName", user.userName) +
      node(
        "AccessKeyLastUsed",
        (used ? el("LastUsedDate", used.date) : "") + el("ServiceName", used?.serviceName ?? "N/A") + el("Region", used?.region ?? "N/A"),
      )
    );
  },

  ListUserTags(ctx) {
    required(ctx.params, "UserName");
    const user = targetUser(ctx, "iam:ListUserTags");
    return tagsXml(user.tags) + el("IsTruncated", false);
  },

  TagUser(ctx) {
    required(ctx.params, "UserName");
    const user = targetUser(ctx, "iam:TagUser");
    const tags = memberList(ctx.params, "Tags", ["Key", "Value"] as const);
    if (tags.length === 0) throw validationError("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
    const merged = new Map(user.tags);
    for (const { Key, Value } of tags) {
      const key = Key ?? "";
      const value = Value ?? "";
      validateTag(key, value);
      merged.set(key, value);
    }
    if (merged.size > TAGS_PER_USER) throw limitExceeded(`Cannot exceed quota for TagsPerUser: ${TAGS_PER_USER}`);
    user.tags.clear();
    for (const [k, v] of merged) user.tags.set(k, v);
    return null;
  },

  SimulatePrincipalPolicy: simulatePrincipalPolicy,

  UntagUser(ctx) {
    required(ctx.params, "UserName");
    const user = targetUser(ctx, "iam:UntagUser");
    // Removing a tag that is not there is not an error in IAM.
    for (const key of memberList(ctx.params, "TagKeys")) user.tags.delete(key);
    return null;
  },
};

/** arn:aws:iam::<account>:user/… or role/… or group/…: the identities whose policies IAM can simulate. */
const IAM_PRINCIPAL_ARN = /^arn:aws:iam::\d{12}:(user|role|group)\/.+$/;

/**
 * SimulatePrincipalPolicy (as AWS documents it): the caller needs iam:SimulatePrincipalPolicy on the policy
 * source; each action in ActionNames is evaluated against each of ResourceArns (default "*") with the source's
 * policies — an explicit Deny wins, then an Allow, else implicitDeny. One EvaluationResult per action and
 * resource, with EvalActionName, EvalResourceName and EvalDecision. The fake has no context keys or resource
 * policies, so MatchedStatements and MissingContextValues are empty.
 */
function simulatePrincipalPolicy(ctx: QueryActionContext): string {
  const source = required(ctx.params, "PolicySourceArn");
  if (!IAM_PRINCIPAL_ARN.test(source)) {
    throw new FakeAwsError("InvalidInput", `Invalid ARN: ${source}. PolicySourceArn must be the ARN of an IAM user, group or role.`, 400);
  }
  ctx.authorize("iam:SimulatePrincipalPolicy", source);
  const holder = ctx.store.policiesOf(source);
  if (!holder) throw noSuchEntity(`The entity with ARN ${source} cannot be found.`);
  const actions = memberList(ctx.params, "ActionNames");
  if (actions.length === 0) throw validationError("1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null");
  const resources = memberList(ctx.params, "ResourceArns");
  const results: string[] = [];
  for (const action of actions) {
    for (const resource of resources.length ? resources : ["*"]) {
      results.push(
        el("EvalActionName", action) +
          el("EvalResourceName", resource) +
          el("EvalDecision", evaluatePolicy(holder, action)) +
          list("MatchedStatements", []) +
          list("MissingContextValues", []),
      );
    }
  }
  return list("EvaluationResults", results) + el("IsTruncated", false);
}

export function createIamService(): QueryService {
  return {
    signingName: "iam",
    version: IAM_VERSION,
    xmlns: IAM_XMLNS,
    actions: new Map(Object.entries(actions).map(([name, handler]) => [name, { handler, options: {} }])),
  };
}
