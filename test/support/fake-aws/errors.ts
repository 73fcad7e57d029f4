/**
 * An error the fake answers with, in the awsQuery error shape. Codes and HTTP statuses follow what IAM and
 * STS document (LimitExceeded 409, NoSuchEntity 404, InvalidClientTokenId / SignatureDoesNotMatch /
 * AccessDenied 403), because the rotator maps exactly these to its own error codes.
 */
export class FakeAwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly type: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
    this.name = "FakeAwsError";
  }
}

export const invalidClientTokenId = () =>
  new FakeAwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);

export const signatureDoesNotMatch = (detail?: string) =>
  new FakeAwsError(
    "SignatureDoesNotMatch",
    detail ??
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    403,
  );

export const noSuchEntity = (message: string) => new FakeAwsError("NoSuchEntity", message, 404);

export const limitExceeded = (message: string) => new FakeAwsError("LimitExceeded", message, 409);

export const validationError = (message: string) => new FakeAwsError("ValidationError", message, 400);

export const accessDenied = (callerArn: string, action: string, resource: string, explicit = false) =>
  new FakeAwsError(
    "AccessDenied",
    `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource} ` +
      (explicit ? "with an explicit deny in an identity-based policy" : `because no identity-based policy allows the ${action} action`),
    403,
  );
