/**
 * The AWS that Rotor's server talks to in the e2e run (AWS logins and connectors): the repo's fake AWS
 * endpoint (test/support/fake-aws) with STS AssumeRoleWithWebIdentity and Lambda, started by global setup
 * BEFORE Rotor so that Rotor's server gets AWS_ENDPOINT_URL_IAM/STS/LAMBDA pointing at it.
 *
 * Two Lambda functions exist from the start, like functions an operator deployed in a VPC:
 * - `rotor-connector` runs Rotor's REAL connector handler (connector/handler), configured from the function's
 *   environment: it refuses everything until a spec sets ROTOR_CONNECTOR_SECRET with the Lambda API
 *   (UpdateFunctionConfiguration), exactly what an operator does with the secret Rotor shows once;
 * - `esc-connector` behaves like a Pulumi ESC rotation connector.
 * Identity providers, roles and policies are NOT pre-created: specs create them through the IAM API from
 * what Rotor's AWS logins page tells them to paste. Specs reach the fake through `harness.aws` (URL and an
 * all-powerful admin key for the fake account).
 */
import { configFromEnv, createHandler } from "../../connector/handler/handler";
import { createEscTestHandler } from "../../test/support/esc-connector";
import { installLambda, installWebIdentity, startFakeAws, type AwsKeyPair } from "../../test/support/fake-aws";

export interface E2eAwsState {
  url: string;
  accountId: string;
  region: string;
  adminCredentials: AwsKeyPair;
  connectorFunctionArn: string;
  escFunctionArn: string;
}

export async function startE2eAws(options: { log?: (line: string) => void } = {}) {
  const fake = await startFakeAws({
    onCall: (call) => options.log?.(`${call.service} ${call.action} ${call.status}${call.errorCode ? ` ${call.errorCode}` : ""}`),
  });
  installWebIdentity(fake);
  const lambda = installLambda(fake);
  const connector = lambda.registerFunction({
    name: "rotor-connector",
    timeoutSeconds: 60,
    createHandler: (environment) => {
      const handle = createHandler({ ...configFromEnv(environment), log: (entry) => options.log?.(`connector ${JSON.stringify(entry)}`) });
      return (event, context) => handle(event, context);
    },
  });
  const esc = lambda.registerFunction({ name: "esc-connector", timeoutSeconds: 60, handler: createEscTestHandler().handler });
  const state: E2eAwsState = {
    url: fake.url,
    accountId: fake.accountId,
    region: "us-east-1",
    adminCredentials: fake.adminCredentials,
    connectorFunctionArn: connector.arn,
    escFunctionArn: esc.arn,
  };
  return {
    state,
    /** What Rotor's server needs in its environment to use this AWS. */
    rotorEnv: { AWS_ENDPOINT_URL_IAM: fake.url, AWS_ENDPOINT_URL_STS: fake.url, AWS_ENDPOINT_URL_LAMBDA: fake.url },
    stop: () => fake.stop(),
  };
}
