/** `aws-iam`: rotates an IAM user's access keys with the two-key strategy. See rotator.ts. */
export { awsIamRotator } from "./rotator";
