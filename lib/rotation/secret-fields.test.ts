import { describe, expect, it } from "vitest";
import { scrubMessage } from "../errors";
import { keepUnchangedSecrets, mergeSecretInputs, secretStrings, splitSecretInputs } from "./secret-fields";

describe("secret inputs", () => {
  const inputs = { host: "db", managing: { username: "admin", password: "hunter2hunter2" }, login: { secretAccessKey: "abcdSECRET" } };
  const paths = ["managing.password", "login.secretAccessKey"];

  it("splits and merges back to the same inputs", () => {
    const { publicInputs, secrets } = splitSecretInputs(inputs, paths);
    expect(JSON.stringify(publicInputs)).not.toContain("hunter2");
    expect(JSON.stringify(publicInputs)).not.toContain("SECRET");
    expect(mergeSecretInputs(publicInputs, secrets)).toEqual(inputs);
  });

  it("keeps stored secrets the form left empty", () => {
    const { secrets } = splitSecretInputs(inputs, paths);
    const edited = keepUnchangedSecrets({ host: "db2", managing: { username: "admin", password: "" }, login: {} }, secrets, paths);
    expect(edited).toEqual({ host: "db2", managing: { username: "admin", password: "hunter2hunter2" }, login: { secretAccessKey: "abcdSECRET" } });
  });

  it("scrubs secrets from messages and bounds the length", () => {
    const message = scrubMessage(`login failed for password hunter2hunter2 ${"x".repeat(1000)}`, secretStrings(inputs.managing));
    expect(message).not.toContain("hunter2hunter2");
    expect(message.length).toBeLessThanOrEqual(500);
  });
});
