/**
 * What to paste into AWS for an OIDC login: the IAM identity provider (URL + audience) and the role's trust
 * policy, filled in for this Rotor (its public URL is the issuer) and this login (role, audience, subject).
 * Pure; the Logins page shows it and the tests feed it to the fake STS, so what we tell users to paste is
 * exactly what is proven to work.
 */
import { subjectPattern } from "./subject";

/** arn:<partition>:iam::<account>:role/<optional path/>name (role names: 1–64 of [\w+=,.@-]). */
export const ROLE_ARN_PATTERN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\u0021-\u007E]+\/)?[\w+=,.@-]{1,64}$/;
/** Managed policy ARNs for session policies (AWS managed: account "aws"). */
export const POLICY_ARN_PATTERN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/(?:[\u0021-\u007E]+\/)?[\w+=,.@-]{1,128}$/;

/** IAM names an OIDC provider by the issuer URL without its scheme ("rotor.example.com/path"). */
export function providerHost(issuerUrl: string): string {
  return issuerUrl.replace(/^https?:\/\//, "").replace(/\/+$/, "");
}

export function parseRoleArn(roleArn: string): { partition: string; accountId: string } | null {
  const match = ROLE_ARN_PATTERN.exec(roleArn);
  return match ? { partition: match[1], accountId: match[2] } : null;
}

export function oidcProviderArn(roleArn: string, issuerUrl: string): string {
  const role = parseRoleArn(roleArn);
  const partition = role?.partition ?? "aws";
  const account = role?.accountId ?? "<account-id>";
  return `arn:${partition}:iam::${account}:oidc-provider/${providerHost(issuerUrl)}`;
}

export interface TrustPolicyInput {
  issuerUrl: string;
  roleArn: string;
  audience: string;
  subjectTemplate: string;
}

export function trustPolicy(input: TrustPolicyInput) {
  const host = providerHost(input.issuerUrl);
  const pattern = subjectPattern(input.subjectTemplate);
  const exact = !pattern.includes("*");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn(input.roleArn, input.issuerUrl) },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: exact
          ? { StringEquals: { [`${host}:aud`]: input.audience, [`${host}:sub`]: pattern } }
          : { StringEquals: { [`${host}:aud`]: input.audience }, StringLike: { [`${host}:sub`]: pattern } },
      },
    ],
  };
}

/** The AWS CLI commands that set the provider and the role up (for the page's copy-paste block). */
export function setupCommands(input: TrustPolicyInput & { durationSeconds: number }): string {
  const role = input.roleArn.split("/").pop() ?? "rotor";
  return [
    `aws iam create-open-id-connect-provider --url ${input.issuerUrl} --client-id-list ${input.audience}`,
    `aws iam create-role --role-name ${role} --max-session-duration ${Math.max(3600, input.durationSeconds)} \\`,
    `  --assume-role-policy-document file://rotor-trust-policy.json`,
  ].join("\n");
}
