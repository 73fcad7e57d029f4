/**
 * A TCP forwarder with a gate, to hold a real rotation mid-way: while the gate is closed, connections are
 * accepted but nothing is forwarded (the client waits, as on a hung network); opening it forwards what waits
 * and everything after. A connection whose client went away meanwhile is dropped.
 */
import net from "node:net";

export interface TcpGate {
  port: number;
  /** Connections accepted so far (held or forwarded). */
  readonly accepted: number;
  close(): void;
  open(): void;
  stop(): Promise<void>;
}

export async function startTcpGate(target: { host: string; port: number }, { closed = false } = {}): Promise<TcpGate> {
  let gateOpen = !closed;
  let accepted = 0;
  const held = new Set<net.Socket>();
  const sockets = new Set<net.Socket>();
  const forward = (client: net.Socket) => {
    if (client.destroyed) return;
    const upstream = net.connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
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
    });
    client.on("error", () => undefined);
    if (gateOpen) forward(client);
    else {
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
    close() {
      gateOpen = false;
    },
    open() {
      gateOpen = true;
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
