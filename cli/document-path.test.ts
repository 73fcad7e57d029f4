import { describe, expect, it } from "vitest";
import type { OpenedEnvironment } from "./api-types";
import { formatValue, resolveDocumentPath } from "./document-path";

const doc: OpenedEnvironment = {
  environment: "prod-app",
  revision: 14,
  values: { api_key: "k-1", "feature.flag": "on" },
  rotators: {
    "app-db": {
      type: "postgres",
      current: { username: "app_a", password: "pw-a" },
      previous: { username: "app_b", password: "pw-b" },
      rotatedAt: "2026-12-01T10:00:00Z",
      nextRotationAt: null,
      previousValidUntil: null,
    },
  },
  exports: { DB_USER: "app_a" },
};

describe("rotor env get paths", () => {
  it("resolves rotator credentials, metadata and values (keys may contain dots)", () => {
    expect(resolveDocumentPath(doc, "app-db.current.password")).toBe("pw-a");
    expect(resolveDocumentPath(doc, "app-db.previous.username")).toBe("app_b");
    expect(resolveDocumentPath(doc, "app-db.rotatedAt")).toBe("2026-12-01T10:00:00Z");
    expect(resolveDocumentPath(doc, "app-db.nextRotationAt")).toBeNull();
    expect(resolveDocumentPath(doc, "values.api_key")).toBe("k-1");
    expect(resolveDocumentPath(doc, "values.feature.flag")).toBe("on");
    expect(resolveDocumentPath(doc, "app-db.current")).toEqual({ username: "app_a", password: "pw-a" });
  });

  it("names what exists when the path does not (exit 5)", () => {
    expect(() => resolveDocumentPath(doc, "app-db.current.pasword")).toThrow(
      expect.objectContaining({ exitCode: 5, message: 'Nothing at app-db.current.pasword: app-db has no "current.pasword" (there is app-db.current.password, app-db.current.username).' }),
    );
    expect(() => resolveDocumentPath(doc, "cache.current.password")).toThrow('prod-app has no rotator "cache" (there is app-db, values)');
    expect(() => resolveDocumentPath(doc, "values.nope")).toThrow('prod-app has no value "nope" (there is values.api_key, values.feature.flag)');
  });

  it("prints strings as they are and everything else as JSON", () => {
    expect(formatValue("pw-a")).toBe("pw-a");
    expect(formatValue(null)).toBe("null");
    expect(formatValue({ a: 1 })).toBe('{\n  "a": 1\n}');
  });
});
