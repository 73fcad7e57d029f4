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

describeRotatorContract(
  "aws-iam",
  {
    rotator: awsIamRotator,
    skip: {
      "fresh-secret": "AWS generates the secret in apply (CreateAccessKey), not in prepare",
      // A seeded key would take one of the user's two slots in EVERY contract test (setup is shared), and
      // Rotor rightly refuses to delete a key it was not given.
      "imported-state": "covered in rotator.test.ts (\"rotates from an imported existing key\")",
    },
  },
  async () => {
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

  const inputs = awsIamInputsSchema.parse({ userName: "app", login: { kind: "static", ...fake.adminCredentials } });
  return {
    inputs,
    checkLogin,
    withWrongManagingLogin: (i) => ({ ...i, login: { ...i.login!, secretAccessKey: `${fake.adminCredentials.secretAccessKey}-wrong` } }),
    context: {
      rotatorId: `contract-${++counter}`,
      now: () => new Date(t),
      sleep: async (ms) => void (t += ms),
    },
    cleanup: async () => {
      restoreEndpoint();
      await fake.stop();
    },
  };
  },
);
