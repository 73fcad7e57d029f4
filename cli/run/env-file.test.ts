import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "dotenv";
import { describe, expect, it } from "vitest";
import { EnvFile } from "./env-file";

describe("$ROTOR_ENV_FILE", () => {
  it("is a 0600 dotenv file in a private directory that a dotenv parser reads back exactly, and is removed at the end", () => {
    const runtime = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-runtime-"));
    try {
      const file = EnvFile.create({ XDG_RUNTIME_DIR: runtime });
      expect(path.dirname(path.dirname(file.path))).toBe(runtime);
      const variables = { DB_USER: "app_a", DB_PASSWORD: `it's "quoted" $HOME \\ and\nmultiline` };
      file.write(variables);
      expect(fs.statSync(file.path).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file.path)).mode & 0o777).toBe(0o700);
      expect(parse(fs.readFileSync(file.path))).toEqual(variables);
      file.write({ DB_USER: "app_b" });
      expect(parse(fs.readFileSync(file.path))).toEqual({ DB_USER: "app_b" });
      expect(fs.readdirSync(path.dirname(file.path))).toEqual(["env"]);
      file.remove();
      expect(fs.existsSync(path.dirname(file.path))).toBe(false);
    } finally {
      fs.rmSync(runtime, { recursive: true, force: true });
    }
  });

  it("refuses a value no dotenv quoting keeps, instead of writing something else", () => {
    const file = EnvFile.create({});
    try {
      expect(() => file.write({ BAD: `'\`"\r` })).toThrow(expect.objectContaining({ name: "CliError", message: expect.stringContaining("BAD cannot be written as a dotenv line exactly") }));
    } finally {
      file.remove();
    }
  });
});
