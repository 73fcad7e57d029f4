/**
 * The STS side of an AWS login: exchange a token Rotor signed for temporary credentials
 * (sts:AssumeRoleWithWebIdentity, an unsigned call), and ask who a set of credentials is (GetCallerIdentity).
 * Through the real SDK client, so AWS_ENDPOINT_URL_STS (or an explicit endpoint) is honoured.
 *
 * AWS's answers are turned into messages that say what to fix, because "InvalidIdentityToken" alone sends
 * people searching: untrusted issuer, wrong audience, role missing or not trusting this subject, duration
 * above the role's maximum, Rotor unreachable from AWS.
 */
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { RotatorError } from "../rotators/errors";
import { createStsClient } from "../rotators/aws-iam/clients";
import type { AwsCredentials } from "../rotators/types";
import { providerHost } from "./trust-policy";

export interface TemporaryCredentials extends AwsCredentials {
  sessionToken: string;
  expiration: Date;
  /** arn:aws:sts::<account>:assumed-role/<role>/<session> */
  assumedRoleArn: string;
}

export interface WebIdentityExchange {
  region: string;
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  policyArns?: readonly string[];
  token: string;
  /** For messages: where the token came from and what it said. */
  issuerUrl: string;
  audience: string;
  subject: string;
  endpoint?: string;
}

const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 20_000 };

export async function assumeRoleWithWebIdentity(request: WebIdentityExchange): Promise<TemporaryCredentials> {
  const client = new STSClient({
    region: request.region,
    maxAttempts: 2,
    requestHandler: REQUEST_HANDLER,
    ...(request.endpoint ? { endpoint: request.endpoint } : {}),
  });
  try {
    const out = await client.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: request.roleArn,
        RoleSessionName: request.sessionName,
        WebIdentityToken: request.token,
        DurationSeconds: request.durationSeconds,
        ...(request.policyArns?.length ? { PolicyArns: request.policyArns.map((arn) => ({ arn })) } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new RotatorError("auth:managing-login-failed", "STS answered AssumeRoleWithWebIdentity without credentials.");
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
      assumedRoleArn: out.AssumedRoleUser?.Arn ?? request.roleArn,
    };
  } catch (error) {
    throw webIdentityError(error, request);
  } finally {
    client.destroy();
  }
}

export async function callerIdentity(credentials: AwsCredentials, region: string, endpoint?: string) {
  const client = createStsClient({ region, credentials, maxAttempts: 2, ...(endpoint ? { endpoint } : {}) });
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    return { arn: out.Arn ?? "", account: out.Account ?? "", userId: out.UserId ?? "" };
  } catch (error) {
    const { code, status } = awsFailure(error);
    if (code === "InvalidClientTokenId" || code === "SignatureDoesNotMatch" || code === "ExpiredToken") {
      throw new RotatorError("auth:managing-login-failed", `AWS refused these credentials (${code}). Check the access key id and secret.`, { cause: error });
    }
    if (status === undefined) throw unreachable(error, "STS");
    throw new RotatorError("auth:managing-login-failed", `GetCallerIdentity failed: ${code}.`, { cause: error });
  } finally {
    client.destroy();
  }
}

function awsFailure(error: unknown): { code: string; status?: number; message: string } {
  const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return { code: e?.Code ?? e?.name ?? "Error", status: e?.$metadata?.httpStatusCode, message: e?.message ?? String(error) };
}

function unreachable(error: unknown, what: string): RotatorError {
  return new RotatorError("target:unreachable", `Could not reach AWS ${what}: ${(error as Error)?.message ?? String(error)}`, { cause: error, retryable: true });
}

/** AWS's reason, made actionable. Exported for tests. */
export function webIdentityError(error: unknown, request: Pick<WebIdentityExchange, "roleArn" | "issuerUrl" | "audience" | "subject" | "durationSeconds">): RotatorError {
  if (error instanceof RotatorError) return error;
  const { code, status, message } = awsFailure(error);
  const host = providerHost(request.issuerUrl);
  const fail = (text: string, retryable = false) => new RotatorError("auth:managing-login-failed", text, { cause: error, retryable });
  if (status === undefined) return unreachable(error, "STS");
  switch (code) {
    case "InvalidIdentityToken":
    case "InvalidIdentityTokenException":
      if (/no openid ?connect provider/i.test(message)) {
        return fail(
          `AWS does not trust this issuer: no IAM OpenID Connect identity provider for ${request.issuerUrl} in the role's account. ` +
            `Add one with provider URL ${request.issuerUrl} and audience ${request.audience} (see the login's setup on the Logins page).`,
        );
      }
      if (/audience/i.test(message)) {
        return fail(
          `AWS refused the token's audience "${request.audience}": the IAM identity provider for ${host} does not list it. ` +
            `Add "${request.audience}" to the provider's audiences (client IDs), or change the login's audience to one it lists.`,
        );
      }
      return fail(`AWS refused the token (InvalidIdentityToken: ${message}).`);
    case "AccessDenied":
    case "AccessDeniedException":
      return fail(
        `AWS refused to let this token assume ${request.roleArn}: the role does not exist, or its trust policy does not allow ` +
          `${host} with subject "${request.subject}" and audience "${request.audience}". Check the role ARN and paste the trust policy shown on the Logins page.`,
      );
    case "ValidationError":
      if (/DurationSeconds exceeds the MaxSessionDuration/i.test(message)) {
        return fail(
          `The session duration (${request.durationSeconds} s) is longer than the role's maximum session duration. ` +
            "Lower the login's duration, or raise the role's maximum session duration in IAM.",
        );
      }
      return fail(`STS refused the request: ${message}`);
    case "ExpiredTokenException":
    case "ExpiredToken":
      return fail(`AWS considers the token expired (${message}). Check the clock of the Rotor server.`, true);
    case "IDPCommunicationError":
    case "IDPCommunicationErrorException":
      return fail(
        `AWS could not fetch Rotor's signing keys from ${request.issuerUrl}. The issuer URL (ROTOR_PUBLIC_URL) must be reachable from the internet over https.`,
        true,
      );
    case "IDPRejectedClaim":
    case "IDPRejectedClaimException":
      return fail(`AWS rejected a claim of the token (${message}).`);
    case "RegionDisabledException":
      return fail(`STS is not activated in this region (${message}). Activate it in IAM account settings, or use another region for the login.`);
    default:
      return fail(`AssumeRoleWithWebIdentity failed (${code}: ${message}).`, (status ?? 0) >= 500 || code === "Throttling");
  }
}
