import { describe, expect, it } from "vitest";
import { describeRotatorContract } from "@/test/support/rotator-contract";
import { isRotatorError } from "../errors";
import { passwordRotator } from "./index";
import { passwordInputsSchema } from "./inputs";

describeRotatorContract("password", { rotator: passwordRotator, noTarget: "password has no target: it generates a password for you to use" }, async () => ({
  inputs: passwordInputsSchema.parse({ passwordRules: { length: 40 } }),
  // No target: "wrong" can only mean malformed.
  wrongCredential: () => ({ secret: "not-a-password-credential" }),
  importedState: { current: { password: "an-imported-password-0123456789" }, previous: null },
}));

describe("password rotator", () => {
  const context = { checkpoint: async () => {} };

  it("generates by the rules in its inputs", async () => {
    const inputs = passwordInputsSchema.parse({ passwordRules: { length: 12, symbols: false } });
    const { pending } = await passwordRotator.prepare({ inputs, state: { current: null, previous: null }, context });
    expect(pending.credential!.password).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(Object.keys(pending.credential!)).toEqual(["password"]);
  });

  it("defaults the rules", async () => {
    const inputs = passwordInputsSchema.parse({});
    const { pending } = await passwordRotator.prepare({ inputs, state: { current: null, previous: null }, context });
    expect(pending.credential!.password).toHaveLength(32);
  });

  it("refuses invalid rules in inputs with readable issues", () => {
    const parsed = passwordInputsSchema.safeParse({ passwordRules: { length: 4 } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toBe("length must be at least 8");
  });

  it("validates the credential shape", async () => {
    const inputs = passwordInputsSchema.parse({});
    const error = await passwordRotator.verifyCredential({ inputs, credential: { password: "" }, context }).catch((e: unknown) => e);
    expect(isRotatorError(error) && error.code).toBe("input:invalid");
    expect(passwordRotator.credentialSchema.safeParse({ password: "x", extra: "y" }).success).toBe(false);
  });
});
