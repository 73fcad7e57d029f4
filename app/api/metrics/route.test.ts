/**
 * /api/metrics: refused while ROTOR_METRICS_TOKEN is unset, 401 without the right bearer token, Prometheus
 * text with it. The route reads its configuration once per module instance, so each case sets the
 * environment and imports a fresh copy.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-metrics-"));
const TOKEN = "metrics-token-0123456789abcdef";
const saved = { ...process.env };

async function loadRoute(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const key of Object.keys(process.env)) if (key.startsWith("ROTOR_") || key === "DATABASE_URL") delete process.env[key];
  Object.assign(process.env, { ROTOR_DATA_DIR: dataDir }, env);
  return import("./route");
}

const get = (headers: Record<string, string> = {}) => new Request("http://rotor.test/api/metrics", { headers });

afterAll(async () => {
  const { getStore } = await import("@/lib/db/client");
  await (await getStore()).close();
  process.env = saved;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("/api/metrics", () => {
  it("refuses every request while no token is configured", async () => {
    const { GET } = await loadRoute({});
    const response = await GET(get({ authorization: `Bearer ${TOKEN}` }));
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/Metrics are disabled: set ROTOR_METRICS_TOKEN/);
  });

  it("asks for the bearer token and serves Prometheus text with it", async () => {
    const { GET } = await loadRoute({ ROTOR_METRICS_TOKEN: TOKEN });
    const missing = await GET(get());
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await GET(get({ authorization: `Bearer ${TOKEN}x` }))).status).toBe(401);
    expect((await GET(get({ authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` }))).status).toBe(401);
    const ok = await GET(get({ authorization: `Bearer ${TOKEN}` }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const body = await ok.text();
    expect(body).toContain("rotor_up 1");
    expect(body).toContain('rotor_rotators{status="failing"} 0');
    expect(body).toMatch(/^# TYPE rotor_rotations_total counter$/m);
  });

  it("refuses a token shorter than 16 characters at configuration time", async () => {
    const { parseEnv } = await import("@/lib/env");
    expect(() => parseEnv({ ROTOR_METRICS_TOKEN: "short" })).toThrow(/ROTOR_METRICS_TOKEN must be at least 16 characters/);
  });
});
