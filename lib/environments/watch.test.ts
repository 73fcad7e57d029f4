/**
 * Watching over real HTTP: the watch route served by a plain Node HTTP server (the same handler Next.js
 * runs), read by a streaming fetch as a client would. Every revision arrives once, in order, with no secret;
 * Last-Event-ID resumes; deletion ends the stream. On PostgreSQL a revision committed through ANOTHER store
 * (another Rotor instance on the same database) reaches the watchers via LISTEN/NOTIFY.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR, type TestApp } from "@/test/support/app-context";
import { personalToken } from "@/test/support/api-client";
import { openStore } from "@/lib/db/client";
import { handleApiRequest } from "../api/route";
import { watchEnvironmentRoute } from "../api/routes/watch";
import { createEnvironment, deleteEnvironment, setEnvironmentValue } from "./service";
import { createRotator } from "../rotation/rotator-service";
import { rotateNow } from "../rotation/engine";
import { RevisionHub } from "./watch";
import type { AppContext } from "../app-context";

interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Serves the watch route for `app` on loopback. */
async function serve(app: AppContext): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const url = `http://127.0.0.1${req.url}`;
    const controller = new AbortController();
    res.on("close", () => controller.abort());
    const name = decodeURIComponent(/\/environments\/([^/]+)\/watch/.exec(req.url ?? "")![1]);
    const request = new Request(url, { headers: req.headers as Record<string, string>, signal: controller.signal });
    const response = await handleApiRequest(watchEnvironmentRoute, app, request, { name });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return res.end();
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      res.write(value);
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** A streaming SSE client: collects events until closed. */
function watch(url: string, token: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const controller = new AbortController();
  let ended = false;
  const done = (async () => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: controller.signal });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      const reader = response.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(block.split("\n").filter((l) => l && !l.startsWith(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
          if (fields.event) events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
        }
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return {
    events,
    get ended() {
      return ended;
    },
    async until(predicate: (events: SseEvent[]) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > deadline) throw new Error(`timed out; events so far: ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      controller.abort();
      await done;
    },
  };
}

const globalHub = globalThis as unknown as { __rotorRevisionHub?: Promise<RevisionHub> };

describe.each(["pglite", "postgres"] as const)("watch (%s store)", (kind) => {
  let app: TestApp;
  let server: Awaited<ReturnType<typeof serve>>;
  let token: string;
  let environmentId: string;
  let rotatorId: string;
  /** On PostgreSQL: a second store on the same database, as a second Rotor instance would have. */
  let writer: AppContext;
  let closeWriter = async () => {};

  beforeAll(async () => {
    app = await openTestApp(kind);
    globalHub.__rotorRevisionHub = Promise.resolve(new RevisionHub(app.store, app.db));
    if (kind === "postgres") {
      const second = await openStore({ databaseUrl: app.store.databaseUrl!, dataDir: app.store.dataDir });
      writer = { db: second.db, keyring: app.keyring };
      closeWriter = () => second.close();
    } else {
      writer = app;
    }
    token = await personalToken(app, "watcher@example.com", "viewer");
    environmentId = (await createEnvironment(app, { actor: TEST_ACTOR, name: "watched", description: "" })).id;
    rotatorId = (await createRotator(app, { actor: TEST_ACTOR, environmentId, name: "signing", type: "password", inputs: {} })).id;
    server = await serve(app);
  });

  afterAll(async () => {
    await server?.close();
    await closeWriter();
    delete globalHub.__rotorRevisionHub;
    await app?.destroy();
  });

  it("sends ready, then one event per new revision in order, naming the rotator, with no secret", async () => {
    const client = watch(`${server.url}/api/v1/environments/watched/watch`, token);
    await client.until((e) => e.some((x) => x.event === "ready"));
    const ready = client.events[0];
    expect(ready.event).toBe("ready");
    const start = Number(ready.data.revision);
    expect(ready.id).toBe(String(start));

    await rotateNow(writer, { rotatorId, trigger: "user", actor: TEST_ACTOR });
    await setEnvironmentValue(writer, { actor: TEST_ACTOR, environmentId, key: "region", value: "secret-looking-value", secret: true });
    await rotateNow(writer, { rotatorId, trigger: "user", actor: TEST_ACTOR });
    await client.until((e) => e.filter((x) => x.event === "revision").length === 3);
    const revisions = client.events.filter((x) => x.event === "revision");
    expect(revisions.map((r) => r.data.revision)).toEqual([start + 1, start + 2, start + 3]);
    expect(revisions.map((r) => r.id)).toEqual([start + 1, start + 2, start + 3].map(String));
    expect(revisions.map((r) => r.data.rotators)).toEqual([["signing"], [], ["signing"]]);
    expect(revisions[0].data.reason).toBe("rotated signing");
    expect(JSON.stringify(client.events)).not.toContain("secret-looking-value");
    await client.close();
  });

  it("resumes after Last-Event-ID with every missed revision first", async () => {
    const first = watch(`${server.url}/api/v1/environments/watched/watch`, token);
    await first.until((e) => e.some((x) => x.event === "ready"));
    const seen = Number(first.events[0].data.revision);
    await first.close();
    await rotateNow(writer, { rotatorId, trigger: "user", actor: TEST_ACTOR });
    await rotateNow(writer, { rotatorId, trigger: "user", actor: TEST_ACTOR });
    const resumed = watch(`${server.url}/api/v1/environments/watched/watch`, token, { "last-event-id": String(seen) });
    await resumed.until((e) => e.some((x) => x.event === "ready"));
    expect(resumed.events.map((e) => [e.event, e.data.revision])).toEqual([
      ["revision", seen + 1],
      ["revision", seen + 2],
      ["ready", seen + 2],
    ]);
    await resumed.close();
  });

  it("tells watchers when the environment is deleted, and ends the stream", async () => {
    const doomed = (await createEnvironment(app, { actor: TEST_ACTOR, name: "doomed", description: "" })).id;
    const client = watch(`${server.url}/api/v1/environments/doomed/watch`, token);
    await client.until((e) => e.some((x) => x.event === "ready"));
    await deleteEnvironment(writer, { actor: TEST_ACTOR, environmentId: doomed, confirmName: "doomed" });
    await client.until((e) => e.some((x) => x.event === "deleted"));
    await client.until(() => client.ended);
  });
});
