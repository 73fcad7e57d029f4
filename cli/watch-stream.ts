/**
 * A client of `GET /api/v1/environments/{name}/watch` (Server-Sent Events) that does not give up: when the
 * stream breaks or Rotor is unreachable it reconnects with exponential backoff and jitter, resuming with
 * `Last-Event-ID` so no revision is missed, and it treats a silent connection (no heartbeat within
 * `heartbeatTimeoutMs`; Rotor pings every 15 s) as broken. The SSE wire format is parsed by eventsource-parser.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { pathOf, type RotorClient } from "./api-client";
import type { WatchEventData } from "./api-types";
import { ApiError } from "./errors";

export type WatchEvent = { type: "ready" | "revision" | "deleted"; id?: string; data: WatchEventData };

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export interface FollowOptions {
  client: RotorClient;
  environment: string;
  /** Resume after this event id (the revision the caller already has). */
  lastEventId?: string;
  onEvent: (event: WatchEvent) => void;
  /** Connection changes, for the log: "connected", or "disconnected" with the reason and the next delay. */
  onConnection?: (change: { state: "connected" } | { state: "disconnected"; reason: string; retryInMs: number; failures: number }) => void;
  signal: AbortSignal;
  backoff?: Backoff;
  heartbeatTimeoutMs?: number;
  random?: () => number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000 };

/** Exponential backoff with "equal jitter": half the delay fixed, half random, so clients spread out. */
export function backoffDelay(failures: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

const KNOWN_EVENTS = new Set(["ready", "revision", "deleted"]);

/** Follows the stream until `signal` aborts (resolves "aborted") or the environment is deleted ("deleted"). */
export async function followEnvironment(options: FollowOptions): Promise<"aborted" | "deleted"> {
  const { client, environment, signal, backoff = DEFAULT_BACKOFF, heartbeatTimeoutMs = 45_000, random = Math.random } = options;
  let lastEventId = options.lastEventId;
  let failures = 0;
  while (!signal.aborted) {
    let reason: string;
    const connection = new AbortController();
    const abortConnection = () => connection.abort();
    signal.addEventListener("abort", abortConnection, { once: true });
    let watchdog: NodeJS.Timeout | undefined;
    const feedWatchdog = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => connection.abort(new Error(`no heartbeat for ${Math.round(heartbeatTimeoutMs / 1000)} s`)), heartbeatTimeoutMs);
    };
    try {
      feedWatchdog();
      const response = await client.request("GET", `${pathOf("environments", environment)}/watch`, {
        headers: { Accept: "text/event-stream", ...(lastEventId ? { "Last-Event-ID": lastEventId } : {}) },
        signal: connection.signal,
      });
      if (!/text\/event-stream/i.test(response.headers.get("content-type") ?? "") || !response.body) {
        throw new Error(`the watch endpoint answered ${response.status} ${response.headers.get("content-type") ?? "without a content type"}, not an event stream`);
      }
      options.onConnection?.({ state: "connected" });
      let deleted = false;
      const parser = createParser({
        onEvent(message: EventSourceMessage) {
          if (message.id) lastEventId = message.id;
          const type = message.event ?? "message";
          if (!KNOWN_EVENTS.has(type)) return;
          let data: WatchEventData;
          try {
            data = JSON.parse(message.data) as WatchEventData;
          } catch {
            return; // not ours to interpret; the next revision event or the open will tell
          }
          // A stream that delivers events is healthy again: the next break starts the backoff from scratch.
          failures = 0;
          if (type === "deleted") deleted = true;
          options.onEvent({ type: type as WatchEvent["type"], id: message.id, data });
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        feedWatchdog();
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (deleted) return "deleted";
      }
      reason = "the stream ended";
    } catch (error) {
      if (signal.aborted) break;
      const cause = connection.signal.reason as Error | undefined;
      reason = connection.signal.aborted && cause?.message ? cause.message : error instanceof ApiError ? error.message.split("\n")[0] : (error as Error).message;
      // A refusal (revoked token, deleted environment) will not heal by itself soon: wait the longest.
      if (error instanceof ApiError) failures = Math.max(failures, 32);
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener("abort", abortConnection);
      connection.abort();
    }
    if (signal.aborted) break;
    failures += 1;
    const retryInMs = backoffDelay(failures, backoff, random);
    options.onConnection?.({ state: "disconnected", reason, retryInMs, failures });
    await sleep(retryInMs, signal);
  }
  return "aborted";
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
