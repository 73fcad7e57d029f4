/**
 * Invoking a connector Lambda with @aws-sdk/client-lambda (RequestResponse), with the credentials of the
 * connector's login, honouring AWS_ENDPOINT_URL_LAMBDA (or an explicit endpoint). AWS's and the function's
 * failures become RotatorErrors that say what to fix; nothing of the payload (which holds passwords) ever
 * reaches an error message.
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { RotatorError } from "../rotators/errors";
import type { AwsCredentials } from "../rotators/types";

export interface LambdaTarget {
  /** Function name or ARN. */
  functionName: string;
  region: string;
  credentials: () => Promise<AwsCredentials>;
  endpoint?: string;
}

/** A connector call runs up to two database logins with their own timeouts (10 s default each). */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 90_000 };

async function credentialsOf(target: LambdaTarget): Promise<AwsCredentials> {
  try {
    return await target.credentials();
  } catch (error) {
    if (error instanceof RotatorError) throw error;
    throw new RotatorError("auth:managing-login-failed", "Could not obtain AWS credentials from the connector's login.", { cause: error, retryable: true });
  }
}

/**
 * Sends `payload` (JSON) and returns the function's answer, parsed. One attempt: the caller decides about
 * retrying (a retry must be signed afresh, or the handler refuses it as a replay).
 */
export async function invokeLambda(target: LambdaTarget, payload: unknown): Promise<unknown> {
  const credentials = await credentialsOf(target);
  const client = new LambdaClient({
    region: target.region,
    credentials,
    maxAttempts: 1,
    requestHandler: REQUEST_HANDLER,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
  });
  const fn = target.functionName;
  try {
    const out = await client.send(
      new InvokeCommand({ FunctionName: fn, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify(payload), "utf8") }),
    );
    const text = out.Payload ? Buffer.from(out.Payload).toString("utf8") : "";
    if (out.FunctionError) {
      // The function threw or timed out: Lambda answers 200 with X-Amz-Function-Error and an error object.
      let detail = "";
      try {
        const e = JSON.parse(text) as { errorType?: string; errorMessage?: string };
        detail = [e.errorType, e.errorMessage].filter(Boolean).join(": ");
      } catch {
        detail = "";
      }
      const timedOut = /timed out/i.test(detail);
      throw new RotatorError(
        timedOut ? "target:timeout" : "connector:failed",
        `The connector function ${fn} failed (${out.FunctionError}${detail ? `: ${detail.slice(0, 300)}` : ""}).` +
          (timedOut ? " Raise the function's timeout, or check that it can reach the database (subnets, security groups)." : " See its CloudWatch log."),
        { retryable: timedOut },
      );
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new RotatorError("connector:failed", `The connector function ${fn} answered with something that is not JSON.`);
    }
  } catch (error) {
    if (error instanceof RotatorError) throw error;
    throw lambdaError(error, target);
  } finally {
    client.destroy();
  }
}

function lambdaError(error: unknown, target: LambdaTarget): RotatorError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = e?.name ?? "Error";
  const status = e?.$metadata?.httpStatusCode;
  const fn = target.functionName;
  if (status === undefined) {
    return new RotatorError("target:unreachable", `Could not reach AWS Lambda in ${target.region}: ${e?.message ?? String(error)}`, { cause: error, retryable: true });
  }
  switch (code) {
    case "ResourceNotFoundException":
      return new RotatorError("connector:failed", `Lambda function ${fn} was not found in ${target.region}. Check the connector's function ARN and region.`, { cause: error });
    case "AccessDeniedException":
      return new RotatorError(
        "auth:permission-denied",
        `The connector's login may not invoke ${fn}: allow lambda:InvokeFunction on it (see the connector's deployment guide).`,
        { cause: error },
      );
    case "UnrecognizedClientException":
    case "InvalidSignatureException":
    case "ExpiredTokenException":
      return new RotatorError("auth:managing-login-failed", `AWS refused the connector login's credentials (${code}).`, { cause: error, retryable: code === "ExpiredTokenException" });
    case "TooManyRequestsException":
    case "ServiceException":
    case "ResourceNotReadyException":
    case "EC2ThrottledException":
      return new RotatorError("target:unreachable", `AWS Lambda could not run ${fn} right now (${code}); try again later.`, { cause: error, retryable: true });
    default:
      return new RotatorError("connector:failed", `Invoking ${fn} failed (${code}: ${(e?.message ?? "").slice(0, 200)}).`, { cause: error, retryable: (status ?? 0) >= 500 });
  }
}
