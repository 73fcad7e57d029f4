import { describe, expect, it } from "vitest";
import { ROTATOR_META } from "./meta";
import { ROTATORS } from "./registry";
import { ROTATOR_TYPES } from "./types";

describe("rotator registry", () => {
  it("registers each type under its own name, with the facts the browser sees", () => {
    for (const type of ROTATOR_TYPES) {
      expect(ROTATORS[type].type, type).toBe(type);
      // The form validates with the meta's schema and masks its secret paths: the server must apply the same.
      for (const key of ["label", "inputsSchema", "secretInputPaths", "secretCredentialKeys", "credentialSchema", "binding", "fields", "importFields"] as const) {
        expect(ROTATORS[type][key], `${type}.${key}`).toBe(ROTATOR_META[type][key]);
      }
    }
  });
});
