/**
 * `npm run build:connector` produces a zip Lambda can run: the test builds it, reads the zip with its own
 * reader (central directory, CRC, permissions), loads index.js from a directory outside the repo (so no
 * node_modules can help it), and runs `index.handler` against a real password-checking PostgreSQL with a
 * signed request, exactly as Lambda would with ROTOR_CONNECTOR_SECRET set.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import { encodeOperation } from "@/lib/connectors/protocol";
import { generateConnectorSecret, openAnswer, signRequest } from "@/lib/connectors/signing";
// @ts-expect-error -- plain .mjs module without types
import { crc32 } from "../../scripts/zip.mjs";

const root = path.resolve(__dirname, "../..");
let cluster: PgCluster;
let dir: string;

interface ZipEntry {
  name: string;
  data: Buffer;
  mode: number;
}

function readZip(file: string): ZipEntry[] {
  const buf = fs.readFileSync(file);
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(0);
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 20);
    const nameLength = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const mode = buf.readUInt32LE(p + 38) >>> 16;
    const offset = buf.readUInt32LE(p + 42);
    const name = buf.toString("utf8", p + 46, p + 46 + nameLength);
    const localName = buf.readUInt16LE(offset + 26);
    const localExtra = buf.readUInt16LE(offset + 28);
    const start = offset + 30 + localName + localExtra;
    const raw = buf.subarray(start, start + size);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    expect(crc32(data), `CRC of ${name}`).toBe(crc);
    entries.push({ name, data, mode });
    p += 46 + nameLength + extra + comment;
  }
  return entries;
}

beforeAll(async () => {
  cluster = await startPgCluster({ tls: true });
  await cluster.withSuperuser(async (c) => {
    await c.query(`create role bundle_mgr login createrole password 'bundle-manager-pw'`);
    await c.query(`create role bundle_app login password 'bundle-app-initial'`);
  });
  execFileSync(process.execPath, [path.join(root, "scripts", "build-connector.mjs")], { cwd: root, stdio: "pipe" });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-connector-bundle-"));
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("npm run build:connector", () => {
  it("zips a self-contained index.js that Lambda can load, and its handler rotates a real password", async () => {
    const entries = readZip(path.join(root, "dist", "connector.zip"));
    const index = entries.find((e) => e.name === "index.js")!;
    expect(index).toBeDefined();
    expect(index.mode & 0o777).toBe(0o644);
    expect(index.mode & 0o170000).toBe(0o100000);
    for (const e of entries) fs.writeFileSync(path.join(dir, e.name), e.data);

    const secret = generateConnectorSecret();
    process.env.ROTOR_CONNECTOR_SECRET = secret;
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const { handler } = createRequire(path.join(dir, "index.js"))("./index.js") as { handler: (event: unknown, context?: unknown) => Promise<unknown> };
      const connection = { dialect: "postgres", host: cluster.host, port: cluster.port, database: "postgres", tls: { mode: "require" } };
      const send = async (operation: Parameters<typeof encodeOperation>[0]) => {
        const request = signRequest(secret, encodeOperation(operation));
        const opened = openAnswer(secret, request.nonce, await handler(JSON.parse(JSON.stringify(request)), { awsRequestId: "bundle" }));
        expect(opened.ok).toBe(true);
        return JSON.parse((opened as { body: string }).body);
      };
      expect(await send({ op: "hello" })).toMatchObject({ ok: true, result: { handler: "rotor-connector" } });
      const managing = { username: "bundle_mgr", password: "bundle-manager-pw" };
      expect(
        await send({ op: "rotate", request: { connection: connection as never, managing, user: { username: "bundle_app" }, newPassword: "bundle-app-rotated" } }),
      ).toEqual({ ok: true, result: { ok: true } });
      expect(await cluster.checkLogin({ username: "bundle_app", password: "bundle-app-rotated" })).toBe(true);
      expect(await send({ op: "verify", request: { connection: connection as never, user: { username: "bundle_app" }, password: "bundle-app-rotated" } })).toEqual({
        ok: true,
        result: { ok: true },
      });
      // The bundle does not carry the AWS SDK or Next.js: only the handler, the rotator library and the drivers.
      const code = index.data.toString("utf8");
      expect(code).not.toMatch(/@aws-sdk\/client-/);
      expect(code).not.toMatch(/next\/dist/);
      // The bundled handler logs one JSON line per request (CloudWatch), without any password.
      const lines = log.mock.calls.map((c) => String(c[0]));
      expect(lines.length).toBe(3);
      for (const line of lines) expect(line).not.toMatch(/bundle-manager-pw|bundle-app-rotated/);
    } finally {
      log.mockRestore();
      delete process.env.ROTOR_CONNECTOR_SECRET;
    }
  });
});
