/**
 * `open --format shell|dotenv` must hand a consumer exactly the bytes Rotor holds. Checked against the real
 * consumers: `sh` sourcing the shell output, and the `dotenv` package parsing the dotenv output.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "dotenv";
import { describe, expect, it } from "vitest";
import { toDotenv, toShell, UnrepresentableValueError } from "./formats";

const HOSTILE: Record<string, string> = {
  SINGLE: "it's",
  DOUBLE: 'say "hi"',
  BACKTICK: "`id`",
  DOLLAR: "$HOME ${PATH} $(id)",
  BACKSLASH: "C:\\temp\\new\\",
  NEWLINES: "line1\nline2\n",
  CARRIAGE: "a\rb\r\n",
  SPACES: "  padded  ",
  HASH: "pass#word # not a comment",
  EMPTY: "",
  UNICODE: "pässwörd ✓ 密码",
  MIXED: "it's `x`",
  EQUALS: "a=b==c",
};

/** Every printable ASCII character and the control characters a shell must not interpret. */
const ALL_BYTES = Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)).join("");

describe("shell format", () => {
  it("round-trips hostile values and every ASCII byte through sh", () => {
    const variables = { ...HOSTILE, ALL: ALL_BYTES };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-shell-"));
    try {
      const file = path.join(dir, "env.sh");
      fs.writeFileSync(file, toShell(variables));
      for (const [name, value] of Object.entries(variables)) {
        const out = execFileSync("sh", ["-c", `. "$1"; printf '%s' "$${name}"`, "sh", file], { env: {} as NodeJS.ProcessEnv });
        expect(out.toString("utf8"), name).toBe(value);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("dotenv format", () => {
  it("round-trips hostile values through the dotenv parser, one file with all of them", () => {
    expect(parse(toDotenv(HOSTILE))).toEqual(HOSTILE);
  });

  it("round-trips every printable byte but the three quotes, and each quote on its own", () => {
    const noQuotes = ALL_BYTES.replace(/['"`]/g, "");
    const values = { A: noQuotes, B: `${noQuotes}'`, C: `${noQuotes}\``, D: `${noQuotes}'\`` .replace(/\\[nr]/g, "") };
    expect(parse(toDotenv(values))).toEqual(values);
  });

  it("refuses, naming the variable, a value no dotenv quoting can hold exactly", () => {
    expect(() => toDotenv({ OK: "fine", BAD: `'\`"` })).toThrow(UnrepresentableValueError);
    expect(() => toDotenv({ BAD: `'\`"` })).toThrow(/BAD cannot be written as a dotenv line/);
  });
});
