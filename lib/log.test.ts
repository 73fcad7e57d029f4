/**
 * Logs in both formats carry no secret: every kind Rotor handles (passwords in text and URLs, AWS secret
 * keys, tokens, password hashes and verifiers) is planted as a canary and must not come out. JSON logs are
 * one object per line with level, time, message and the run and rotator ids.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CANARIES, IDS, PROSE } from "../test/support/log-canaries";

const root = path.resolve(__dirname, "..");

/** Runs the canary script in its own process (the format is read once per process); stdout and stderr. */
function emitAll(format: "text" | "json"): string {
  const result = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "test/support/log-canaries.ts")], {
    cwd: root,
    env: { PATH: process.env.PATH, NODE_ENV: "production", ROTOR_LOG_FORMAT: format, ROTOR_TEST_EMIT_LOGS: "1" },
    encoding: "utf8",
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout + result.stderr;
}

function expectNoCanary(output: string) {
  for (const [kind, canary] of Object.entries(CANARIES)) {
    expect(output, `${kind} leaked`).not.toContain(canary);
    expect(output, `${kind} leaked`).not.toContain(canary.replace("'", "''"));
  }
  // Redaction masks values given to secret-named keys, not the words: the driver's reason survives.
  expect(output).toContain(PROSE);
  expect(output).toContain("IDENTIFIED BY '[redacted]': access denied");
}

describe("server log", () => {
  it("json: one object per line with level, time, message and ids, no secret", () => {
    const output = emitAll("json");
    expectNoCanary(output);
    const lines = output.trim().split("\n");
    expect(lines).toHaveLength(8);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      expect(record).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), message: expect.any(String) }));
      expect(Number.isNaN(Date.parse(record.time as string))).toBe(false);
    }
    expect(records.map((r) => r.level)).toEqual(["info", "warn", "error", "error", "info", "warn", "error", "fatal"]);
    expect(records[0]).toMatchObject({ ...IDS, message: "connecting to postgres://admin:[redacted]@db.internal:5432/app" });
    expect(records[2]).toMatchObject({ ...IDS, reference: "ab12cd34", message: "rotation failed unexpectedly" });
    expect(records[2].error).toMatch(/^Error 23505: insert failed/);
    expect(records[2].error).toMatch(/Caused by: Error: timeout exceeded when trying to connect/);
    expect(records[7].message).toMatch(/^Rotor cannot start/);
  });

  it("text: readable lines with the ids, no secret", () => {
    const output = emitAll("text");
    expectNoCanary(output);
    expect(output).toContain(`[rotor] rotation failed unexpectedly — Error 23505: insert failed`);
    expect(output).toMatch(/Caused by: Error: timeout exceeded when trying to connect to postgres:\/\/rotor:\[redacted\]@db/);
    expect(output).toContain(`runId=${IDS.runId} rotatorId=${IDS.rotatorId}`);
    expect(output).toMatch(/Rotor cannot start: DATABASE_URL postgres:\/\/rotor:\[redacted\]@db\/rotor/);
  });
});
