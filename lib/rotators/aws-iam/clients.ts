/**
 * IAM and STS clients. Credentials are always passed explicitly: the SDK's default provider chain (instance
 * roles, ~/.aws, env keys) must never silently stand in for a login the user configured — rotating a key with
 * the wrong identity is worse than failing.
 *
 * Endpoints: the SDK honours the standard AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS variables (used by the
 * e2e tests and by private endpoints); `endpoint` overrides them explicitly.
 */
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { RotatorError } from "../errors";
import type { AwsCredentials, RotatorContext } from "../types";
import type { AwsIamInputs } from "./inputs";

export interface AwsClientOptions {
  region: string;
  credentials: AwsCredentials;
  endpoint?: string;
  /**
   * SDK attempts per call (default 3, with the SDK's own retry on throttling and network errors). Use 1 for a
   * call that must not be repeated blindly (CreateAccessKey: a retried create after a lost response makes a
   * second key) or when the caller runs its own backoff loop.
   */
  maxAttempts?: number;
}

/** Bounded so an unreachable endpoint fails a run in seconds instead of hanging it. */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 20_000 };

function clientConfig(options: AwsClientOptions) {
  const { accessKeyId, secretAccessKey, sessionToken } = options.credentials;
  return {
    region: options.region,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: REQUEST_HANDLER,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
}

export function createIamClient(options: AwsClientOptions): IAMClient {
  return new IAMClient(clientConfig(options));
}

export function createStsClient(options: AwsClientOptions): STSClient {
  return new STSClient(clientConfig(options));
}

/**
 * The managing credentials: what the engine resolved from the login provider, else the static keys in the
 * inputs. Failing here is a configuration problem, reported as such.
 */
export async function managingCredentials(inputs: AwsIamInputs, context: RotatorContext): Promise<AwsCredentials> {
  if (context.awsCredentials) {
    try {
      return await context.awsCredentials();
    } catch (error) {
      if (error instanceof RotatorError) throw error;
      throw new RotatorError(
        "auth:managing-login-failed",
        "Could not obtain AWS credentials from the configured login provider. Check the login settings and try again.",
        { cause: error, retryable: true },
      );
    }
  }
  if (inputs.login?.kind === "static") {
    const { accessKeyId, secretAccessKey, sessionToken } = inputs.login;
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  throw new RotatorError(
    "input:invalid",
    "No AWS login configured for this rotator: add static access keys or select a login provider.",
  );
}
