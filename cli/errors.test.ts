import { describe, expect, it } from "vitest";
import { ApiError, describeProblem, EXIT, redactTokens } from "./errors";

describe("problem+json → message and exit code", () => {
  it("shows the detail and every field error by name", () => {
    const error = new ApiError(400, {
      status: 400,
      code: "input:invalid",
      title: "Invalid input",
      detail: "Please correct the highlighted fields.",
      errors: { "inputs.managing.host": "host is required", name: "Use letters, digits, _ and -" },
    });
    expect(error.message).toBe("Please correct the highlighted fields.\n  inputs.managing.host: host is required\n  name: Use letters, digits, _ and -");
    expect(error.exitCode).toBe(EXIT.usage);
  });

  it("maps the status to the documented exit codes", () => {
    const code = (status: number, c?: string) => new ApiError(status, { status, code: c, detail: "x" }).exitCode;
    expect(code(401, "auth:token-expired")).toBe(3);
    expect(code(403, "auth:forbidden")).toBe(4);
    expect(code(404, "not-found")).toBe(5);
    expect(code(409, "rotation:busy")).toBe(6);
    expect(code(413, "payload:too-large")).toBe(2);
    expect(code(429, "auth:throttled")).toBe(1);
    expect(code(500, "internal")).toBe(1);
  });

  it("says how to sign in again when the token expired or was revoked", () => {
    expect(describeProblem(401, { code: "auth:token-revoked", detail: "This token was revoked." })).toBe(
      "This token was revoked.\nThe token was revoked: sign in again with `rotor login <url>`, or use a new ROTOR_TOKEN.",
    );
  });

  it("falls back to the title, then to the status", () => {
    expect(describeProblem(403, { title: "Forbidden" })).toBe("Forbidden");
    expect(describeProblem(502, {})).toBe("Rotor answered HTTP 502");
  });
});

describe("redactTokens", () => {
  it("keeps only the listed prefix of anything shaped like a token", () => {
    const token = "rtr_AbCdEfGh1234567890abcdefghijklmnopqrstuvwxyz_-";
    expect(redactTokens(`server said: bad token ${token}!`)).toBe("server said: bad token rtr_AbCdEfGh…!");
    expect(redactTokens("rtr_ alone and rtr_short")).toBe("rtr_ alone and rtr_short");
  });
});
