/**
 * A TCP forwarder with a gate, to hold a real rotation mid-way: while the gate is closed, connections are
 * accepted but nothing is forwarded (the client waits, as on a hung network); opening it forwards what waits
 * and everything after. A connection whose client went away meanwhile is dropped. `holdStatements` holds a
 * connection that is already through instead, from the first chunk matching a pattern (e.g. the ALTER of a
 * session that was opened earlier in the run and reused): the server never sees it until `open()`.
 */
import net from "node:net";

export interface TcpGate {
  port: number;
  /** Connections accepted so far (held or forwarded). */
  readonly accepted: number;
  close(): void;
  /** Closed, but the next `count` connections still pass (e.g. a scheduled run's preflight, before the
   *  connection that is to hang). */
  closeAfter(count: number): void;
  /** Holds what a client sends from its first chunk matching `pattern` on (on any connection) until `open()`. */
  holdStatements(pattern: RegExp): void;
  /** Connections whose data is held by `holdStatements`. */
  readonly heldStatements: number;
  open(): void;
  stop(): Promise<void>;
}

export async function startTcpGate(target: { host: string; port: number }, { closed = false } = {}): Promise<TcpGate> {
  let gateOpen = !closed;
  let passes = 0;
  let accepted = 0;
  let statementPattern: RegExp | null = null;
  const held = new Set<net.Socket>();
  /** Per connection held by `holdStatements`: the chunks kept back, and how to send them on. */
  const heldData = new Map<net.Socket, { chunks: Buffer[]; flush: () => void }>();
  const sockets = new Set<net.Socket>();
  const forward = (client: net.Socket) => {
    if (client.destroyed) return;
    const upstream = net.connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.pipe(client);
    client.on("data", (chunk: Buffer) => {
      const kept = heldData.get(client);
      if (kept) kept.chunks.push(chunk);
      else if (statementPattern?.test(chunk.toString("latin1"))) {
        const chunks = [chunk];
        heldData.set(client, { chunks, flush: () => chunks.forEach((c) => upstream.write(c)) });
      } else upstream.write(chunk);
    });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
  };
  const server = net.createServer((client) => {
    accepted++;
    sockets.add(client);
    client.on("close", () => {
      sockets.delete(client);
      held.delete(client);
      // Its client is gone: what it sent is dropped, never forwarded.
      heldData.delete(client);
    });
    client.on("error", () => undefined);
    if (gateOpen) forward(client);
    else if (passes > 0) {
      passes--;
      forward(client);
    } else {
      client.pause();
      held.add(client);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    get heldStatements() {
      return heldData.size;
    },
    close() {
      gateOpen = false;
      passes = 0;
    },
    closeAfter(count) {
      gateOpen = false;
      passes = count;
    },
    holdStatements(pattern) {
      statementPattern = pattern;
    },
    open() {
      gateOpen = true;
      statementPattern = null;
      for (const [client, kept] of heldData) {
        heldData.delete(client);
        kept.flush();
      }
      for (const client of held) {
        held.delete(client);
        client.resume();
        forward(client);
      }
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface CuttingProxy {
  port: number;
  /** Cut the next connection that sends a chunk matching `pattern`, right after forwarding that chunk. */
  arm(pattern: RegExp, options?: { thenRefuse?: boolean }): void;
  /** Whether the armed cut happened. */
  readonly cut: boolean;
  /** Accept connections again after a cut with `thenRefuse`. */
  heal(): void;
  stop(): Promise<void>;
}

/**
 * A TCP forwarder that drops a connection right after a matching request reached the server, as a network
 * failure between Rotor and the database would: the server runs the statement (e.g. ALTER ROLE), the client
 * never hears the answer. With `thenRefuse`, later connections are refused until `heal()` (the database stays
 * unreachable). Only for plaintext protocols (TLS disabled), where the statement is visible in the stream.
 */
export async function startCuttingProxy(target: { host: string; port: number }): Promise<CuttingProxy> {
  let armed: { pattern: RegExp; thenRefuse: boolean } | null = null;
  let cut = false;
  let refusing = false;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  };
  const server = net.createServer((client) => {
    track(client);
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    upstream.pipe(client);
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      if (armed && armed.pattern.test(chunk.toString("latin1"))) {
        const { thenRefuse } = armed;
        armed = null;
        cut = true;
        if (thenRefuse) refusing = true;
        // Time for the server to read and run the statement before the connection goes away; the answer,
        // which the server writes meanwhile, is not passed on.
        upstream.unpipe(client);
        setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, 300);
      }
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    arm(pattern, options = {}) {
      armed = { pattern, thenRefuse: options.thenRefuse ?? false };
      cut = false;
    },
    get cut() {
      return cut;
    },
    heal() {
      refusing = false;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
