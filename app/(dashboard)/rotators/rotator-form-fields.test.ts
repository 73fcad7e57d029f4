/**
 * The rotator form's values and the inputs they stand for: an edit form shows what was stored, and saving it
 * unchanged gives the same inputs back — also for inputs that are objects or lists (the external rotator's
 * request and required fields), which the form shows as JSON text and a comma-separated list.
 */
import { describe, expect, it } from "vitest";
import { rotatorMeta } from "@/lib/rotators/meta";
import { buildInputs, initialValues } from "./rotator-form-fields";

describe("rotator form fields", () => {
  it("an external rotator's request (JSON) and required fields (list) survive edit → save", () => {
    const meta = rotatorMeta("external");
    const stored = meta.inputsSchema.parse({ url: "https://adapter.example.com/rotate", request: { service: "billing", keys: ["a", "b"] }, requiredKeys: ["username", "password"] });
    const values = initialValues(meta.fields, stored as Record<string, unknown>);
    expect(values.request).toBe(JSON.stringify({ service: "billing", keys: ["a", "b"] }, null, 2));
    expect(values.requiredKeys).toBe("username, password");
    expect(values.allowInsecureHttp).toBe(false);
    expect(meta.inputsSchema.parse(buildInputs(meta.fields, values))).toEqual(stored);
  });
});
