/** Bad storage configuration stops Rotor with a message that says what to fix, and writes nothing. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "./client";

describe("opening the store", () => {
  it("explains an unreachable DATABASE_URL without echoing its password", async () => {
    const attempt = openStore({ databaseUrl: "postgres://rotor:Sekr3t-Pw@127.0.0.1:1/rotor", dataDir: os.tmpdir() });
    await expect(attempt).rejects.toThrow(/cannot connect to the database in DATABASE_URL/);
    await expect(attempt).rejects.not.toThrow(/Sekr3t-Pw/);
  });

  it("explains an unwritable data directory", async () => {
    await expect(openStore({ dataDir: "/dev/null/rotor-data" })).rejects.toThrow(/data directory \/dev\/null\/rotor-data is not writable .*ROTOR_DATA_DIR/);
  });

  it("refuses a data directory another live process holds", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-lock-"));
    fs.writeFileSync(path.join(dir, "rotor.lock"), "1"); // pid 1 is always alive
    await expect(openStore({ dataDir: dir })).rejects.toThrow(/in use by another Rotor process \(pid 1\)/);
    expect(fs.readdirSync(dir)).toEqual(["rotor.lock"]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
