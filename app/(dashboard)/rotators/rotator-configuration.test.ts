import { describe, expect, it } from "vitest";
import { describeConfiguration } from "./rotator-configuration";

describe("a rotator's configuration as its page shows it", () => {
  it("labels every value as the form does, hides what the form hides, never shows a secret", () => {
    const rows = describeConfiguration("redis", {
      host: "cache.internal",
      port: 6379,
      tls: { mode: "require" },
      managing: { username: "default" },
      mode: "single-user",
      username: "app",
      aclSave: false,
      extra: { note: "from an import" },
    });
    const byLabel = Object.fromEntries(rows.map((r) => [r.label, r.value]));
    expect(byLabel).toMatchObject({ Host: "cache.internal", Port: "6379", TLS: "require", "Managing password": "stored encrypted", "ACL user": "app", "Run ACL SAVE after each change (users loaded from an aclfile)": "no" });
    expect(byLabel["User 1"]).toBeUndefined(); // two-user only
    expect(byLabel["CA certificate (PEM)"]).toBeUndefined(); // verify-full only
    expect(byLabel["extra.note"]).toBe("from an import");
  });

  it("leaves out the static AWS keys when a login provider signs in instead", () => {
    const inputs = { region: "eu-west-1", userName: "app", verifyTimeoutSeconds: 60 };
    expect(describeConfiguration("aws-iam", inputs, { usesLoginProvider: true }).map((r) => r.label)).toEqual(["Region", "IAM user (name or ARN)", "Wait for AWS to accept a new key (seconds)", "Deactivate the previous key at rotation (grace)"]);
    expect(describeConfiguration("aws-iam", inputs).map((r) => r.label)).toContain("Managing secret access key");
  });

  it("shows an external rotator's request as JSON and its required fields as a list", () => {
    const byLabel = Object.fromEntries(describeConfiguration("external", { url: "https://adapter.test/rotate", request: { service: "billing" }, requiredKeys: ["username", "password"] }).map((r) => [r.label, r.value]));
    expect(byLabel["Request (JSON)"]).toBe('{"service":"billing"}');
    expect(byLabel["Fields the answer must have"]).toBe("username, password");
  });
});
