import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collectInputs, typedValue } from "./inputs";

describe("rotator inputs from the command line", () => {
  it("--input is typed, --raw-input is a string; dotted keys nest; later flags win over the file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-cli-inputs-"));
    try {
      const file = path.join(dir, "inputs.yaml");
      fs.writeFileSync(file, "host: db.internal\nport: 5432\nmanaging:\n  username: rotor\n");
      fs.writeFileSync(path.join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
      const inputs = await collectInputs({
        inputsFile: file,
        input: ["port=6432", "tls.mode=verify-full", `tls.ca=@${path.join(dir, "ca.pem")}`, "managing.password=s3cret"],
        rawInput: ["username1=007"],
      });
      expect(inputs).toEqual({
        host: "db.internal",
        port: 6432,
        tls: { mode: "verify-full", ca: "-----BEGIN CERTIFICATE-----\n" },
        managing: { username: "rotor", password: "s3cret" },
        username1: "007",
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("types only true, false, null and numbers", () => {
    expect([typedValue("true"), typedValue("false"), typedValue("null"), typedValue("-1.5"), typedValue("0")]).toEqual([true, false, null, -1.5, 0]);
    expect([typedValue("007"), typedValue("1e3"), typedValue("yes"), typedValue("")]).toEqual(["007", "1e3", "yes", ""]);
  });

  it("explains a malformed flag and an unreadable file (exit 2)", async () => {
    await expect(collectInputs({ input: ["host"] })).rejects.toMatchObject({ exitCode: 2, message: '--input takes key=value (e.g. --input host=db.internal), got "host".' });
    await expect(collectInputs({ inputsFile: "/nonexistent/inputs.json" })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining("Cannot read /nonexistent/inputs.json") });
  });
});
