/** The shared checklist rules: a type without its own preflight, the failure a run stops with, no-target types. */
import { describe, expect, it } from "vitest";
import { RotatorError } from "./errors";
import { failedLine, firstFailure, okLine, runPreflight, summarizeChecks, warningLine } from "./preflight";
import { ROTATORS } from "./registry";
import type { RotatorDefinition } from "./types";

const context = { checkpoint: async () => {} };
const state = { current: null, previous: null };

describe("preflight checklist", () => {
  it("password and passphrase: nothing to reach (said so), rules that can be met", async () => {
    for (const type of ["password", "passphrase"] as const) {
      const inputs = ROTATORS[type].inputsSchema.parse({});
      const { checks } = await runPreflight(ROTATORS[type], { inputs, state, context });
      expect(checks[0]).toMatchObject({ id: "reach", status: "skipped" });
      expect(checks[0]!.detail).toMatch(/Nothing to reach/);
      expect(checks.find((l) => l.id === "password-rules")).toMatchObject({ status: "ok" });
      expect(checks.some((l) => l.status === "failed")).toBe(false);
    }
  });

  it("derives lines from Test connection for a type without its own preflight", async () => {
    const bare = { testConnection: async () => ({ ok: true as const, details: ["Logged in.", "Warning: TLS is off."] }) } as unknown as RotatorDefinition<unknown>;
    expect((await runPreflight(bare, { inputs: {}, state, context })).checks.map((l) => l.status)).toEqual(["ok", "warning"]);
    const failing = { testConnection: async () => { throw new RotatorError("auth:permission-denied", "May not ALTER."); } } as unknown as RotatorDefinition<unknown>;
    expect((await runPreflight(failing, { inputs: {}, state, context })).checks).toMatchObject([{ status: "failed", code: "auth:permission-denied", retryable: false }]);
  });

  it("stops a run with the first failed line: its code, retryability, check and fix", () => {
    const checks = [okLine("reach", "Reach", "ok"), warningLine("tls", "TLS", "off"), failedLine("privilege:app", "May change app", "No CREATEROLE.", "ALTER ROLE rotor CREATEROLE;", { code: "auth:permission-denied", retryable: false }), failedLine("x", "X", "y", "z")];
    const error = firstFailure(checks)!;
    expect(error).toMatchObject({ code: "auth:permission-denied", retryable: false });
    expect(error.message).toBe("Preflight failed — May change app: No CREATEROLE. ALTER ROLE rotor CREATEROLE;");
    expect(firstFailure(checks.slice(0, 2))).toBeNull();
    expect(summarizeChecks(checks)).toBe("1 ok, 2 failed, 1 warning");
  });
});
