/**
 * "Does this key work, and is it the right user's?" — sts:GetCallerIdentity signed with the key itself. It
 * needs no permission, so it proves exactly that AWS accepts the key, and its ARN proves whose key it is.
 */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { RotatorError } from "../errors";
import { sameUserName, userNameFromCallerArn, type UserRef } from "./arn";
import { isNetworkError, isRejectedCredentialError, mapAwsError, awsErrorCode } from "./aws-errors";
import { waitWithBackoff, type BackoffSettings } from "./backoff";
import { createStsClient } from "./clients";

export interface KeyToVerify {
  accessKeyId: string;
  secretAccessKey: string;
}

export type ProbeResult = { accepted: true; arn: string } | { accepted: false; reason: string };

/**
 * One GetCallerIdentity. "Not accepted (yet)" — AWS rejecting the key, or the network failing — is a result,
 * not an exception, so the backoff loop can try again; a key that works for the WRONG user throws at once.
 */
export async function probeKey(args: {
  key: KeyToVerify;
  region: string;
  user: UserRef;
  endpoint?: string;
  signal?: AbortSignal;
}): Promise<ProbeResult> {
  const client = createStsClient({ region: args.region, credentials: args.key, endpoint: args.endpoint, maxAttempts: 1 });
  let arn: string;
  try {
    const out = await client.send(new GetCallerIdentityCommand({}), args.signal ? { abortSignal: args.signal } : {});
    arn = out.Arn ?? "";
  } catch (error) {
    if (isRejectedCredentialError(error) || isNetworkError(error)) {
      return { accepted: false, reason: awsErrorCode(error) ?? "network error" };
    }
    throw mapAwsError(error, {
      action: "sts:GetCallerIdentity",
      signedBy: "credential",
      accessKeyId: args.key.accessKeyId,
      secrets: [args.key.secretAccessKey],
    });
  } finally {
    client.destroy();
  }
  checkOwner(arn, args.key.accessKeyId, args.user);
  return { accepted: true, arn };
}

function checkOwner(callerArn: string, accessKeyId: string, user: UserRef): void {
  const owner = userNameFromCallerArn(callerArn);
  const wrong =
    !owner || !sameUserName(owner.userName, user.userName) || (user.arn && owner.accountId !== user.arn.accountId);
  if (wrong) {
    throw new RotatorError(
      "auth:verify-failed",
      `Access key ${accessKeyId} works but belongs to ${callerArn || "an unknown identity"}, not to IAM user ${user.arn?.value ?? user.userName}.`,
    );
  }
}

/**
 * Wait (with backoff, up to `timeoutMs`) until AWS accepts a new key. On timeout: auth:verify-failed,
 * retryable — the key is not deleted here; it stays in the failed run's pending record, and the engine's next
 * attempt abandons it (deletes it: a failed run is never resumed) and creates a fresh one.
 */
export async function waitUntilAccepted(args: {
  key: KeyToVerify;
  region: string;
  user: UserRef;
  endpoint?: string;
  timeoutMs: number;
  backoff: BackoffSettings;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}): Promise<{ arn: string; attempts: number; waitedMs: number }> {
  const result = await waitWithBackoff({
    attempt: async () => {
      const probe = await probeKey(args);
      if (probe.accepted) return { done: true, value: probe.arn };
      args.log?.("aws-iam: new key not accepted yet", { accessKeyId: args.key.accessKeyId, reason: probe.reason });
      return { done: false, reason: probe.reason };
    },
    timeoutMs: args.timeoutMs,
    backoff: args.backoff,
    now: args.now,
    sleep: args.sleep,
    signal: args.signal,
  }).catch((error: unknown) => {
    if (error instanceof RotatorError) throw error;
    // Only the abort signal gets here (the engine lost its lease or was stopped): the key stays pending.
    throw new RotatorError("target:timeout", `Stopped while waiting for AWS to accept access key ${args.key.accessKeyId}; the key stays pending.`, {
      retryable: true,
    });
  });
  if (!result.ok) {
    throw new RotatorError(
      "auth:verify-failed",
      `AWS did not accept the new access key ${args.key.accessKeyId} of IAM user ${args.user.userName} within ${Math.round(args.timeoutMs / 1000)} s ` +
        `(${result.attempts} attempts, last answer: ${result.lastReason}). IAM is eventually consistent. The current key is unchanged; the next attempt deletes this new key and creates a fresh one.`,
      { retryable: true },
    );
  }
  return { arn: result.value, attempts: result.attempts, waitedMs: result.waitedMs };
}

