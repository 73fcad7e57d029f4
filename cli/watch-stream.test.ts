import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RotorClient } from "./api-client";
import { backoffDelay, followEnvironment, type WatchEvent } from "./watch-stream";

/** A real HTTP server speaking SSE; each test scripts what every connection gets. */
interface Connection {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  n: number;
}
let servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  servers = [];
});

async function sseServer(onConnection: (c: Connection) => void, port = 0): Promise<{ port: number; requests: Connection[] }> {
  const requests: Connection[] = [];
  const server = http.createServer((req, res) => {
    const connection = { req, res, n: requests.length + 1 };
    requests.push(connection);
    onConnection(connection);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, requests };
}

function stream(res: http.ServerResponse) {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store" });
  return (text: string) => res.write(text);
}

const fast = { initialMs: 40, maxMs: 200 };

function follow(port: number, onEvent: (e: WatchEvent) => void, extra: Partial<Parameters<typeof followEnvironment>[0]> = {}) {
  const controller = new AbortController();
  const disconnects: string[] = [];
  const done = followEnvironment({
    client: new RotorClient({ url: `http://127.0.0.1:${port}`, token: "rtr_test_token_value_0123456789abcdef" }),
    environment: "team/prod",
    lastEventId: "14",
    onEvent,
    onConnection: (c) => c.state === "disconnected" && disconnects.push(c.reason),
    signal: controller.signal,
    backoff: fast,
    ...extra,
  });
  return { controller, done, disconnects };
}

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("followEnvironment (SSE over a real HTTP connection)", () => {
  it("asks for the environment's stream with the token and Last-Event-ID, and delivers ready and revision events", async () => {
    const events: WatchEvent[] = [];
    const { port, requests } = await sseServer(({ res }) => {
      const send = stream(res);
      send('id: 14\nevent: ready\ndata: {"environment":"team/prod","revision":14}\n\n');
      send(": ping\n\n");
      send('id: 15\nevent: revision\ndata: {"environment":"team/prod","revision":15,"rotators":["app-db"]}\n\n');
    });
    const { controller, done } = follow(port, (e) => events.push(e));
    await until(() => events.length === 2);
    controller.abort();
    expect(await done).toBe("aborted");
    expect(requests[0].req.url).toBe("/api/v1/environments/team%2Fprod/watch");
    expect(requests[0].req.headers.authorization).toBe("Bearer rtr_test_token_value_0123456789abcdef");
    expect(requests[0].req.headers["last-event-id"]).toBe("14");
    expect(requests[0].req.headers.accept).toBe("text/event-stream");
    expect(events.map((e) => [e.type, e.id, e.data.revision])).toEqual([
      ["ready", "14", 14],
      ["revision", "15", 15],
    ]);
    expect(events[1].data.rotators).toEqual(["app-db"]);
  });

  it("reconnects when the stream ends, resuming after the last event it received", async () => {
    const events: WatchEvent[] = [];
    const { port, requests } = await sseServer(({ res, n }) => {
      const send = stream(res);
      if (n === 1) {
        send('id: 15\nevent: revision\ndata: {"environment":"team/prod","revision":15}\n\n');
        res.end();
      } else send('id: 16\nevent: revision\ndata: {"environment":"team/prod","revision":16}\n\n');
    });
    const { controller, done, disconnects } = follow(port, (e) => events.push(e));
    await until(() => events.length === 2);
    controller.abort();
    await done;
    expect(requests.map((r) => r.req.headers["last-event-id"])).toEqual(["14", "15"]);
    expect(disconnects).toEqual(["the stream ended"]);
  });

  it("keeps retrying with backoff while Rotor is unreachable, and connects once it is back", async () => {
    // Take a free port, then close it: connections are refused until the server listens there again.
    const { port } = await sseServer(() => {});
    const first = servers.pop()!;
    await new Promise((r) => first.close(r));
    const events: WatchEvent[] = [];
    const { controller, done, disconnects } = follow(port, (e) => events.push(e));
    await until(() => disconnects.length >= 3);
    expect(disconnects[0]).toMatch(/Cannot reach Rotor at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    await sseServer(({ res }) => stream(res)('id: 17\nevent: revision\ndata: {"environment":"team/prod","revision":17}\n\n'), port);
    await until(() => events.length === 1);
    controller.abort();
    await done;
    expect(events[0].data.revision).toBe(17);
    expect(disconnects.join("\n")).not.toContain("rtr_test_token");
  });

  it("treats a connection without heartbeats as broken", async () => {
    const { port, requests } = await sseServer(({ res }) => void stream(res)); // headers, then silence
    const { controller, done, disconnects } = follow(port, () => {}, { heartbeatTimeoutMs: 150 });
    await until(() => requests.length >= 2);
    controller.abort();
    await done;
    expect(disconnects[0]).toBe("no heartbeat for 0 s");
  });

  it("ends when the environment is deleted", async () => {
    const { port } = await sseServer(({ res }) => stream(res)('event: deleted\ndata: {"environment":"team/prod","revision":15}\n\n'));
    const events: WatchEvent[] = [];
    const { done } = follow(port, (e) => events.push(e));
    expect(await done).toBe("deleted");
    expect(events.map((e) => e.type)).toEqual(["deleted"]);
  });

  it("a refusal (revoked token) is reported with Rotor's detail and retried at the longest backoff", async () => {
    const { port, requests } = await sseServer(({ res }) => {
      res.writeHead(401, { "Content-Type": "application/problem+json" });
      res.end(JSON.stringify({ status: 401, code: "auth:token-revoked", title: "Unauthorized", detail: "This token was revoked." }));
    });
    const { controller, done, disconnects } = follow(port, () => {});
    await until(() => disconnects.length === 1);
    await new Promise((r) => setTimeout(r, 60)); // longer than the first backoff step, shorter than the longest
    controller.abort();
    await done;
    expect(disconnects[0]).toBe("This token was revoked.");
    expect(requests).toHaveLength(1);
  });
});

describe("backoffDelay", () => {
  it("doubles up to the maximum, with half of each delay random", () => {
    const b = { initialMs: 1000, maxMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, b, () => 1))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelay(3, b, () => 0)).toBe(2000);
  });
});
