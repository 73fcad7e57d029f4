/**
 * Turns AWS SDK errors into RotatorErrors with actionable messages. The SDK's own messages are kept (they name
 * the caller ARN and the denied action, which is what an operator needs) but redacted of every secret we hold
 * and bounded in length.
 */
import { RotatorError, redactSecrets } from "../errors";

export interface AwsCall {
  /** IAM/STS action as it appears in policies, e.g. "iam:CreateAccessKey". */
  action: string;
  /** Whose credentials signed the call: the managing login, or the credential being rotated/verified. */
  signedBy: "managing" | "credential";
  userName?: string;
  /** The access key the action is about (DeleteAccessKey) or, for `signedBy: "credential"`, that signed. */
  accessKeyId?: string;
  /** The managing login's access key id (not secret), named when AWS rejects the login. */
  signerKeyId?: string;
  /** Every secret that could possibly be echoed back (never appear in messages). */
  secrets: readonly (string | undefined | null)[];
}

/** The permissions Rotor needs on the rotated user, listed in permission-denied messages. */
export const REQUIRED_IAM_ACTIONS = [
  "iam:GetUser",
  "iam:ListAccessKeys",
  "iam:CreateAccessKey",
  "iam:UpdateAccessKey",
  "iam:DeleteAccessKey",
  "iam:ListUserTags",
  "iam:TagUser",
  "iam:UntagUser",
] as const;

/** Of those, what a rotation does without (the ownership marks, key-tags.ts): missing them only warns. */
export const BEST_EFFORT_IAM_ACTIONS: ReadonlySet<string> = new Set(["iam:ListUserTags", "iam:TagUser", "iam:UntagUser"]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "TimeoutError",
  "RequestTimeout",
  "NetworkingError",
]);
const REJECTED_CREDENTIAL_CODES = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "UnrecognizedClientException",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "InvalidAccessKeyId",
]);
const ACCESS_DENIED_CODES = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]);
const TRANSIENT_CODES = new Set(["Throttling", "ThrottlingException", "RequestLimitExceeded", "ServiceFailure", "ServiceUnavailable", "InternalFailure"]);

interface SdkErrorLike {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The AWS error code ("NoSuchEntity"), whether the SDK modelled it (NoSuchEntityException) or not. */
export function awsErrorCode(error: unknown): string | undefined {
  if (!error || typeof error !== "object") return undefined;
  const e = error as SdkErrorLike;
  if (e.Code) return e.Code;
  if (e.$metadata?.httpStatusCode && e.name) return e.name.replace(/Exception$/, "") || e.name;
  return e.code ?? e.name;
}

/** No HTTP answer at all: refused, reset, DNS, timeout — including a connection dropped mid-response. */
export function isNetworkError(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as SdkErrorLike;
  if (e.$metadata?.httpStatusCode) return false;
  return NETWORK_CODES.has(e.code ?? "") || NETWORK_CODES.has(e.name ?? "") || /socket hang up/i.test(e.message ?? "");
}

export function isRejectedCredentialError(error: unknown): boolean {
  return REJECTED_CREDENTIAL_CODES.has(awsErrorCode(error) ?? "");
}

function awsDetail(error: unknown, call: AwsCall): string {
  const message = error instanceof Error ? error.message : String(error);
  const text = redactSecrets(message, call.secrets).replace(/\s+/g, " ").trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function mapAwsError(thrown: unknown, call: AwsCall): RotatorError {
  if (thrown instanceof RotatorError) return thrown;
  // Everything below reads (and keeps as `cause`) the sanitized copy only.
  const error = sanitizedCause(thrown, call.secrets);
  const e = error as SdkErrorLike;
  const code = awsErrorCode(error) ?? "Unknown";
  const detail = awsDetail(error, call);
  const user = call.userName ? `IAM user ${call.userName}` : "the IAM user";

  if (e?.name === "AbortError") {
    return new RotatorError("target:timeout", `Cancelled while calling ${call.action}.`, { cause: error, retryable: true });
  }
  if (isNetworkError(error)) {
    return new RotatorError(
      "target:unreachable",
      `Could not reach AWS for ${call.action} (${e.code ?? e.name ?? "network error"}). Check network access to the IAM/STS endpoints and try again.`,
      { cause: error, retryable: true },
    );
  }
  if (code === "NoSuchEntity") {
    if (call.accessKeyId && (call.action === "iam:UpdateAccessKey" || call.action === "iam:DeleteAccessKey")) {
      return new RotatorError("target:unknown-credential", `Access key ${call.accessKeyId} of ${user} does not exist.`, { cause: error });
    }
    return new RotatorError(
      "target:user-not-found",
      `${user} was not found in the AWS account of the managing credentials. Check the user name (or ARN) and that the login belongs to the same account.`,
      { cause: error },
    );
  }
  if (ACCESS_DENIED_CODES.has(code)) {
    return new RotatorError(
      "auth:permission-denied",
      `The managing identity is not allowed to call ${call.action} on ${user}. Grant it ${REQUIRED_IAM_ACTIONS.join(", ")} on this user. AWS said: ${detail}`,
      { cause: error },
    );
  }
  if (REJECTED_CREDENTIAL_CODES.has(code)) {
    if (call.signedBy === "managing") {
      return new RotatorError(
        "auth:managing-login-failed",
        `AWS rejected the managing credentials${call.signerKeyId ? ` (access key ${call.signerKeyId})` : ""} with ${code}. Check the login's access key and secret, or the login provider.`,
        { cause: error },
      );
    }
    return new RotatorError(
      "auth:verify-failed",
      `AWS rejected access key ${call.accessKeyId ?? "(unknown)"} with ${code}.`,
      { cause: error, retryable: true },
    );
  }
  if (code === "LimitExceeded") {
    return new RotatorError("target:limit-exceeded", `AWS refused ${call.action} for ${user}: ${detail}`, { cause: error });
  }
  const status = e?.$metadata?.httpStatusCode ?? 0;
  if (TRANSIENT_CODES.has(code) || status >= 500) {
    return new RotatorError("target:rejected", `AWS failed ${call.action} temporarily (${code}); try again later. AWS said: ${detail}`, {
      cause: error,
      retryable: true,
    });
  }
  return new RotatorError("target:rejected", `AWS refused ${call.action} for ${user} (${code}): ${detail}`, { cause: error });
}

/**
 * What a RotatorError keeps as `cause`: the SDK error's name, code, status and request id, and its message
 * redacted — not the SDK error itself, which can carry the raw response body (e.g. `$responseBodyText` of a
 * CreateAccessKey answer, which holds the new secret).
 */
export function sanitizedCause(error: unknown, secrets: AwsCall["secrets"]): Error {
  const e = (error ?? {}) as SdkErrorLike & { $metadata?: { httpStatusCode?: number; requestId?: string } };
  const message = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
  const cause = new Error(message) as Error & Record<string, unknown>;
  cause.name = e.name ?? "Error";
  if (e.Code) cause.Code = e.Code;
  if (e.code) cause.code = e.code;
  if (e.$metadata) cause.$metadata = { httpStatusCode: e.$metadata.httpStatusCode, requestId: e.$metadata.requestId };
  cause.stack = `${cause.name}: ${message}`;
  return cause;
}

/** Run one AWS call, mapping whatever it throws. */
export async function awsCall<T>(call: AwsCall, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw mapAwsError(error, call);
  }
}
