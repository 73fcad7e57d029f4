import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RotorClient } from "../api-client";
import type { OpenedEnvironment } from "../api-types";
import { Refresher } from "./refresher";

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(null)));
  server = undefined;
});

/** Serves `…/open` like Rotor: ETag = revision, 304 for If-None-Match of the current one; `fail` answers 503. */
async function openServer(state: { revision: number; fail: number }) {
  const seen: { ifNoneMatch?: string; status: number }[] = [];
  server = http.createServer((req, res) => {
    const ifNoneMatch = req.headers["if-none-match"];
    if (state.fail > 0) {
      state.fail -= 1;
      seen.push({ ifNoneMatch, status: 503 });
      res.writeHead(503, { "Content-Type": "application/problem+json" }).end(JSON.stringify({ status: 503, code: "internal", detail: "Store unavailable" }));
      return;
    }
    const etag = `"${state.revision}"`;
    if (ifNoneMatch === etag) {
      seen.push({ ifNoneMatch, status: 304 });
      res.writeHead(304, { ETag: etag }).end();
      return;
    }
    seen.push({ ifNoneMatch, status: 200 });
    const doc: Partial<OpenedEnvironment> = { environment: "prod", revision: state.revision, values: {}, rotators: {}, exports: { REV: String(state.revision) } };
    res.writeHead(200, { "Content-Type": "application/json", ETag: etag, "Cache-Control": "no-store" }).end(JSON.stringify(doc));
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

function refresher(url: string, docs: OpenedEnvironment[], logs: string[], signal = new AbortController().signal) {
  return new Refresher({
    client: new RotorClient({ url, token: "rtr_t0123456789abcdefghijklmnopqrstuvwxyz0123" }),
    environment: "prod",
    revision: 14,
    onDocument: (d) => docs.push(d),
    log: (l) => logs.push(l),
    signal,
    backoff: { initialMs: 20, maxMs: 100 },
  });
}

describe("Refresher", () => {
  it("re-opens with If-None-Match of the revision it has, and hands over the newer document", async () => {
    const state = { revision: 15, fail: 0 };
    const { url, seen } = await openServer(state);
    const docs: OpenedEnvironment[] = [];
    const r = refresher(url, docs, []);
    r.want(15);
    await r.settled();
    expect(seen).toEqual([{ ifNoneMatch: '"14"', status: 200 }]);
    expect(docs.map((d) => d.revision)).toEqual([15]);
    r.want(15); // already there: no request
    r.want(12);
    await r.settled();
    expect(seen).toHaveLength(1);
  });

  it("keeps asking while the server still has the old revision (304), until the new one is there", async () => {
    const state = { revision: 14, fail: 0 };
    const { url, seen } = await openServer(state);
    const docs: OpenedEnvironment[] = [];
    const r = refresher(url, docs, []);
    r.want(15);
    setTimeout(() => (state.revision = 15), 80);
    await r.settled();
    expect(seen[0]).toEqual({ ifNoneMatch: '"14"', status: 304 });
    expect(seen.at(-1)).toEqual({ ifNoneMatch: '"14"', status: 200 });
    expect(docs.map((d) => d.revision)).toEqual([15]);
  });

  it("a failed open is retried with backoff and logged, without a document in between", async () => {
    const state = { revision: 16, fail: 2 };
    const { url, seen } = await openServer(state);
    const docs: OpenedEnvironment[] = [];
    const logs: string[] = [];
    const r = refresher(url, docs, logs);
    r.want(15);
    await r.settled();
    expect(seen.map((s) => s.status)).toEqual([503, 503, 200]);
    expect(docs.map((d) => d.revision)).toEqual([16]);
    expect(logs[0]).toMatch(/^could not open prod for revision 15 \(Store unavailable\); the command keeps running; retrying in/);
    expect(logs.at(-1)).toBe("opened prod again (revision 16)");
  });
});
