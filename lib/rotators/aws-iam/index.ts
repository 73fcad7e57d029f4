/** `aws-iam`: rotates an IAM user's access keys with the two-key strategy. See rotator.ts. */
export { awsIamRotator } from "./rotator";
export {
  awsIamInputsSchema,
  awsIamCredentialSchema,
  regionSchema,
  userNameSchema,
  type AwsIamInputs,
  type AwsIamInputsInput,
  type AwsIamCredential,
} from "./inputs";
export { parseUserRef, type UserRef } from "./arn";
export { createIamClient, createStsClient, type AwsClientOptions } from "./clients";
export { REQUIRED_IAM_ACTIONS } from "./aws-errors";
export { KEY_TAG_PREFIX, keyTagName } from "./key-tags";
export type { PendingData as AwsIamPendingData } from "./key-plan";
