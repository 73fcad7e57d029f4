/**
 * IAM user references. Users may give a plain user name or a user ARN; IAM's APIs take the name, so an ARN
 * is parsed strictly (a role or group ARN pasted by mistake must be refused, not silently mis-rotated).
 *
 * Shapes (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html):
 *   arn:<partition>:iam::<12-digit account>:user/<optional/path/>name
 */

/** IAM user names: 1–64 of letters, digits and `+=,.@_-`. */
export const USER_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;
const PARTITION_PATTERN = /^aws(-[a-z]+)*$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
/** Path segments between `user/` and the name: printable ASCII except `/`. */
const PATH_SEGMENT_PATTERN = /^[\u0021-\u002E\u0030-\u007E]+$/;

export interface UserRef {
  userName: string;
  /** Present when the user was given as an ARN. */
  arn?: { partition: string; accountId: string; path: string; value: string };
}

export type ParseResult = { ok: true; ref: UserRef } | { ok: false; message: string };

export function parseUserRef(input: string): ParseResult {
  const value = input.trim();
  if (!value.startsWith("arn:")) {
    if (!USER_NAME_PATTERN.test(value)) {
      return {
        ok: false,
        message: `Not a valid IAM user name: "${value}". Use 1–64 letters, digits or +=,.@_- (or a user ARN).`,
      };
    }
    return { ok: true, ref: { userName: value } };
  }
  const notUserArn = (why: string): ParseResult => ({
    ok: false,
    message: `Not an IAM user ARN: ${value} (${why}). Expected arn:aws:iam::123456789012:user/name or …:user/path/name.`,
  });
  const parts = value.split(":");
  if (parts.length !== 6) return notUserArn("an ARN has six colon-separated parts");
  const [, partition, service, region, accountId, resource] = parts;
  if (!PARTITION_PATTERN.test(partition)) return notUserArn(`unknown partition "${partition}"`);
  if (service !== "iam") return notUserArn(`service is "${service}", not "iam"`);
  if (region !== "") return notUserArn("IAM ARNs have an empty region");
  if (!ACCOUNT_PATTERN.test(accountId)) return notUserArn("the account id must be 12 digits");
  if (!resource.startsWith("user/")) {
    const kind = resource.split("/")[0] || "(empty)";
    return notUserArn(`it names a ${kind}, not a user`);
  }
  const segments = resource.slice("user/".length).split("/");
  const userName = segments.pop() ?? "";
  if (!USER_NAME_PATTERN.test(userName)) return notUserArn(`"${userName}" is not a valid user name`);
  if (segments.some((s) => !PATH_SEGMENT_PATTERN.test(s))) return notUserArn("the path has an empty or invalid segment");
  const path = segments.length ? `/${segments.join("/")}/` : "/";
  return { ok: true, ref: { userName, arn: { partition, accountId, path, value } } };
}

/** The IAM user behind an ARN that GetCallerIdentity returned (null for roles, root, federated users). */
export function userNameFromCallerArn(arn: string): { accountId: string; userName: string } | null {
  const parts = arn.split(":");
  if (parts.length !== 6 || parts[2] !== "iam" || !parts[5].startsWith("user/")) return null;
  return { accountId: parts[4], userName: parts[5].split("/").pop() ?? "" };
}

/** IAM user names are unique case-insensitively within an account. */
export function sameUserName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
