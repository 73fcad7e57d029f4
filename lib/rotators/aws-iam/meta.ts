/** What the UI and the server know about the `aws-iam` type without running it (client-safe). */
import type { RotatorMeta } from "../types";
import { awsIamCredentialSchema, awsIamInputsSchema, type AwsIamInputs } from "./inputs";

export const awsIamMeta: RotatorMeta<AwsIamInputs> = {
  type: "aws-iam",
  label: "AWS IAM access key",
  inputsSchema: awsIamInputsSchema,
  secretInputPaths: ["login.secretAccessKey", "login.sessionToken"],
  secretCredentialKeys: ["secretAccessKey"],
  credentialSchema: awsIamCredentialSchema,
  // The static keys under `login` are the fallback when no AWS login provider is chosen.
  binding: { kind: "aws-login", inlineLoginPath: "login" },
  rollbackEffect:
    "The previous access key becomes current again (reactivated first if grace deactivated it); the current key becomes previous and stays active.",
  fields: [
    { path: "region", label: "Region", kind: "text", defaultValue: "us-east-1" },
    { path: "userName", label: "IAM user (name or ARN)", kind: "text", placeholder: "arn:aws:iam::123456789012:user/app" },
    { path: "login.kind", label: "Login", kind: "select", options: ["static"], defaultValue: "static" },
    { path: "login.accessKeyId", label: "Managing access key id", kind: "text" },
    { path: "login.secretAccessKey", label: "Managing secret access key", kind: "password" },
    { path: "verifyTimeoutSeconds", label: "Wait for AWS to accept a new key (seconds)", kind: "number", defaultValue: "60" },
    {
      path: "graceDeactivate",
      label: "Deactivate the previous key at rotation (grace)",
      kind: "checkbox",
      defaultValue: false,
      hint: "The old key is deactivated, not deleted, and deleted at the next rotation: Roll back can rescue a consumer that still used it",
    },
  ],
  importFields: [
    { path: "accessKeyId", label: "Current access key id", kind: "text" },
    { path: "secretAccessKey", label: "Current secret access key", kind: "password" },
  ],
};
