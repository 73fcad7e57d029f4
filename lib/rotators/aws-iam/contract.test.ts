/**
 * The shared rotator contract (test/support/rotator-contract.ts) for aws-iam, against the fake IAM/STS
 * endpoint through the real SDK. Every test gets a fresh fake account and user; new keys take 5 s (virtual)
 * to propagate, so the contract also exercises waiting out IAM's eventual consistency.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { startFakeAws } from "@/test/support/fake-aws";
import { describeRotatorContract } from "@/test/support/rotator-contract";
import type { Credential } from "../types";
import { awsIamRotator } from "./index";
import { awsIamInputsSchema } from "./inputs";

let counter = 0;

describeRotatorContract("aws-iam", async () => {
  let t = Date.parse("2026-03-01T12:00:00Z");
  const fake = await startFakeAws({ now: () => t, propagationDelayMs: 5_000 });
  const restoreEndpoint = fake.useAsDefaultEndpoint();
  fake.admin.createUser("app");

  // Independent of the rotator's code: the SDK's own STS call, signed with the credential.
  const checkLogin = async (credential: Credential) => {
    const sts = new STSClient({
      region: "us-east-1",
      endpoint: fake.url,
      maxAttempts: 1,
      credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
    });
    try {
      const me = await sts.send(new GetCallerIdentityCommand({}));
      return me.Arn === `arn:aws:iam::${fake.accountId}:user/app`;
    } catch {
      return false;
    } finally {
      sts.destroy();
    }
  };

  return {
    rotator: awsIamRotator,
    inputs: awsIamInputsSchema.parse({ userName: "app", login: { kind: "static", ...fake.adminCredentials } }),
    checkLogin,
    // No importedState: a seeded key would take one of the user's two slots in EVERY contract test (setup is
    // shared), and Rotor rightly refuses to delete a key it was not given. Importing is covered in
    // rotator.test.ts ("rotates from an imported existing key").
    context: {
      rotatorId: `contract-${++counter}`,
      now: () => new Date(t),
      sleep: async (ms) => void (t += ms),
    },
    // No check is skipped. "fresh-secret" holds trivially: AWS generates the secret in apply, not prepare.
    cleanup: async () => {
      restoreEndpoint();
      await fake.stop();
    },
  };
});
