import "server-only";
/** GET /api/v1/environments/{name}/watch: Server-Sent Events, one per new revision (never a secret value). */
import { z } from "zod";
import { defineApiRoute } from "../route";
import { environmentNamed } from "../lookup";
import { environmentNameParam } from "../schemas";
import { getRevisionHub, type RevisionEvent } from "../../environments/watch";

const HEARTBEAT_MS = 15_000;

function sseEvent(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const watchEnvironmentRoute = defineApiRoute({
  method: "GET",
  path: "/environments/{name}/watch",
  operationId: "watchEnvironment",
  summary: "Watch an environment for new revisions",
  description:
    "Server-Sent Events. `ready` (id = the current revision) once connected; then one `revision` event per new revision: its number, reason and the rotators it changed — no secret values. " +
    "A comment line `: ping` every 15 s. Reconnect with `Last-Event-ID` to receive every revision after it first, in order. `deleted` when the environment is deleted; the stream then ends.",
  tag: "Environments",
  auth: "environment.watch",
  params: environmentNameParam,
  responses: {
    200: {
      description: "An event stream",
      content: { "text/event-stream": z.string().meta({ example: 'id: 15\nevent: revision\ndata: {"environment":"prod","revision":15,"reason":"rotated app-db","rotators":["app-db"],"at":"…"}\n\n' }) },
    },
  },
  async handler({ params, request }, ctx) {
    const environment = await environmentNamed(ctx, params.name);
    const lastEventId = Number(request.headers.get("last-event-id") ?? "NaN");
    const resumeFrom = Number.isInteger(lastEventId) && lastEventId >= 0 ? Math.min(lastEventId, environment.currentRevision) : environment.currentRevision;
    const hub = await getRevisionHub();
    const encoder = new TextEncoder();
    let cleanup = () => {};

    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        let open = true;
        const write = (text: string) => {
          if (!open) return;
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            close();
          }
        };
        let unsubscribe = () => {};
        const heartbeat = setInterval(() => write(": ping\n\n"), HEARTBEAT_MS);
        heartbeat.unref?.();
        const close = () => {
          if (!open) return;
          open = false;
          clearInterval(heartbeat);
          unsubscribe();
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        };
        cleanup = close;
        request.signal.addEventListener("abort", close);
        // Resuming: the missed revisions are delivered (in order) during subscribe, before `ready`.
        const watcher = {
          lastRevision: resumeFrom,
          onRevision: (event: RevisionEvent) => write(sseEvent("revision", { environment: environment.name, ...event }, event.revision)),
          onDeleted: () => {
            write(sseEvent("deleted", { environment: environment.name }));
            close();
          },
        };
        unsubscribe = await hub.subscribe(environment.id, watcher);
        if (!open) unsubscribe();
        write(`retry: 3000\n${sseEvent("ready", { environment: environment.name, revision: watcher.lastRevision }, watcher.lastRevision)}`);
      },
      cancel() {
        cleanup();
      },
    });

    return new Response(stream, {
      status: 200,
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        // no-transform: compression would buffer the stream; X-Accel-Buffering: the same for nginx.
        "Cache-Control": "no-store, no-transform",
        "X-Accel-Buffering": "no",
      },
    });
  },
});

export const watchRoutes = [watchEnvironmentRoute];
