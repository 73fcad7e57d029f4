/** /api/health: liveness always answers; readiness follows the store; neither says anything secret. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import packageJson from "@/package.json";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-health-"));
const saved = { ...process.env };

async function loadRoute(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const key of Object.keys(process.env)) if (key.startsWith("ROTOR_") || key === "DATABASE_URL") delete process.env[key];
  Object.assign(process.env, { ROTOR_DATA_DIR: dataDir }, env);
  return import("./route");
}

const probe = (query = "") => new Request(`http://rotor.test/api/health${query}`);

afterAll(async () => {
  const { getStore } = await import("@/lib/db/client");
  await (await getStore()).close();
  process.env = saved;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("/api/health", () => {
  it("is alive but not ready when the store is unreachable, without naming it", async () => {
    const { GET } = await loadRoute({ DATABASE_URL: "postgres://rotor:hunter2-secret@127.0.0.1:1/rotor", ROTOR_MASTER_KEY: Buffer.alloc(32, 7).toString("base64") });
    const live = await GET(probe());
    expect(live.status).toBe(200);
    const ready = await GET(probe("?probe=ready"));
    expect(ready.status).toBe(503);
    const body = await ready.text();
    expect(JSON.parse(body)).toEqual({ status: "not ready", checks: { store: "unavailable", scheduler: "off" }, version: packageJson.version, commit: expect.any(String) });
    expect(body).not.toMatch(/hunter2|127\.0\.0\.1|rotor:/);
  });

  it("is ready when the store answers", async () => {
    const { GET } = await loadRoute({});
    // A new data directory's first open (initdb, migrations) can take longer than the probe waits on a loaded
    // machine, and the probe then rightly says "unavailable": open it first, as the server does at start.
    await (await import("@/lib/db/client")).getStore();
    expect(await (await GET(probe())).json()).toEqual({ status: "alive", checks: { store: "ok", scheduler: "off" }, version: packageJson.version, commit: expect.any(String) });
    const ready = await GET(probe("?probe=ready"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
  });
});
