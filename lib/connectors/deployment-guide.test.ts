/** The connector's CloudFormation template deploys to a Lambda runtime AWS still supports. */
import { describe, expect, it } from "vitest";
import { deploymentGuide } from "./deployment-guide";

describe("connector deployment guide", () => {
  it("targets nodejs22.x (nodejs20.x reached end of life in April 2026)", () => {
    const guide = deploymentGuide({ name: "vpc", functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotor-connector", region: "eu-west-1", mode: "rotor" });
    expect(guide.cloudFormation).toMatch(/^ {6}Runtime: nodejs22\.x$/m);
    expect(guide.cloudFormation).not.toMatch(/nodejs(1\d|20)\.x/);
  });
});
