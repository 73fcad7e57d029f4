import { afterEach, describe, expect, it, vi } from "vitest";
import { AppError, toAppError } from "./errors";
import { RotatorError } from "./rotators/errors";

describe("toAppError", () => {
  afterEach(() => vi.restoreAllMocks());

  it("keeps a rotator's code, its actionable message and whether a retry may help, without the secrets", () => {
    const error = new RotatorError("auth:managing-login-failed", 'PostgreSQL rejected the managing user "admin" (password s3cret-pw).');
    const mapped = toAppError(error, { secrets: ["s3cret-pw"], prefix: "Connection test failed" });
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped).toMatchObject({
      code: "auth:managing-login-failed",
      status: 502,
      retryable: false,
      message: 'Connection test failed: PostgreSQL rejected the managing user "admin" (password [redacted]).',
    });
    expect(toAppError(new RotatorError("target:unreachable", "Cannot reach db:5432.")).retryable).toBe(true);
  });

  it("keeps an AppError's code, status and field errors", () => {
    const error = new AppError("conflict", "A rotator named app already exists here.", { fieldErrors: { name: "Already in use" } });
    expect(toAppError(error)).toMatchObject({ code: "conflict", status: 409, fieldErrors: { name: "Already in use" }, message: error.message });
  });

  it("answers an unexpected error with a reference only, and logs it redacted under that reference", () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const mapped = toAppError(new TypeError("cannot read x of undefined near password hunter2hunter2"), { secrets: ["hunter2hunter2"], context: "action rotator.create" });
    expect(mapped).toMatchObject({ code: "internal:unexpected", status: 500, retryable: true });
    const reference = /reference ([0-9a-f]{8})/.exec(mapped.message)?.[1];
    expect(reference).toBeDefined();
    expect(mapped.message).not.toContain("cannot read");
    const line = logged.mock.calls.map((c) => String(c[0])).join("\n");
    expect(line).toContain(`action rotator.create failed unexpectedly (reference ${reference})`);
    expect(line).toContain("TypeError");
    expect(line).not.toContain("hunter2hunter2");
  });

  it("logs an unexpected error with its causes (the real reason), each redacted", () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    // What a store pool that is out of connections throws, wrapped the way a transaction rethrows it.
    const pool = Object.assign(new Error("timeout exceeded when trying to connect as rotor with hunter3hunter3"), { code: "ETIMEDOUT" });
    const wrapped = new Error("could not start the commit transaction", { cause: new Error("connection failed", { cause: pool }) });
    toAppError(wrapped, { secrets: ["hunter3hunter3"], context: "rotation r1" });
    const line = logged.mock.calls.map((c) => String(c[0])).join("\n");
    expect(line).toContain("could not start the commit transaction");
    expect(line).toContain("Caused by: Error: connection failed Caused by: Error ETIMEDOUT: timeout exceeded when trying to connect");
    expect(line).not.toContain("hunter3hunter3");
    logged.mockRestore();
  });
});
