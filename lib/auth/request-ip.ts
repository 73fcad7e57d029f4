import "server-only";
/**
 * The client address, as recorded in audit events and used to throttle sign-in.
 *
 * It starts from the TCP connection's own address (the socket), which a client cannot choose. Only when that
 * address is a trusted proxy (ROTOR_TRUSTED_PROXIES; none by default) is X-Forwarded-For believed, read from
 * the right: each hop a trusted proxy added is followed until the first address that is not a trusted proxy,
 * which is the client. Entries to the left of it were written by the client and could say anything.
 *
 * Next.js route handlers and server actions never see the socket, so the server process stamps each request
 * with it in SOCKET_ADDRESS_HEADER before Next reads the request (installSocketAddressHeader, called from
 * instrumentation.ts), overwriting whatever a client sent under that name.
 */
import net from "node:net";
import diagnostics from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { headers } from "next/headers";
import { env } from "../env";

export const SOCKET_ADDRESS_HEADER = "x-rotor-socket-address";

/** At most this many X-Forwarded-For hops are followed (a longer header is a client's invention). */
const MAX_HOPS = 16;

function normalize(address: string | null | undefined): string | null {
  if (!address) return null;
  const trimmed = address.trim().replace(/^\[(.*)\]$/, "$1");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  const plain = mapped ? mapped[1] : trimmed;
  return net.isIP(plain) ? plain : null;
}

export function trustedProxyList(entries: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split("/");
    const type = net.isIP(address) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

function isTrusted(list: net.BlockList, address: string): boolean {
  return list.check(address, net.isIP(address) === 6 ? "ipv6" : "ipv4");
}

/** The client address from the socket address and X-Forwarded-For, believing only trusted proxies. */
export function clientAddress({
  socketAddress,
  forwardedFor,
  trusted,
}: {
  socketAddress: string | null | undefined;
  forwardedFor: string | null | undefined;
  trusted: net.BlockList;
}): string | null {
  let address = normalize(socketAddress);
  if (!address) return null;
  const hops = (forwardedFor ?? "").split(",").slice(-MAX_HOPS).reverse();
  for (const hop of hops) {
    if (!isTrusted(trusted, address)) break;
    const next = normalize(hop);
    if (!next) break;
    address = next;
  }
  return address;
}

let cached: { entries: readonly string[]; list: net.BlockList } | undefined;
function configuredTrustedProxies(): net.BlockList {
  const entries = env().trustedProxies;
  if (cached?.entries !== entries) cached = { entries, list: trustedProxyList(entries) };
  return cached.list;
}

/** For route handlers, from the request's headers. Null when the request did not come through the server. */
export function requestIpFrom(h: Headers): string | null {
  return clientAddress({
    socketAddress: h.get(SOCKET_ADDRESS_HEADER),
    forwardedFor: h.get("x-forwarded-for"),
    trusted: configuredTrustedProxies(),
  });
}

/** The same, for server components and actions (which have no Request object). */
export async function requestIp(): Promise<string | null> {
  try {
    return requestIpFrom(await headers());
  } catch {
    return null;
  }
}

/** The browser's User-Agent, for the account page's session list (informational). */
export async function requestUserAgent(): Promise<string | null> {
  try {
    return (await headers()).get("user-agent");
  } catch {
    return null;
  }
}

function stampSocketAddress(message: unknown) {
  const { request, socket } = message as { request: IncomingMessage; socket: Socket };
  // Overwrites a client-sent header of the same name; an absent address removes it.
  if (socket?.remoteAddress) request.headers[SOCKET_ADDRESS_HEADER] = socket.remoteAddress;
  else delete request.headers[SOCKET_ADDRESS_HEADER];
}

/**
 * Makes every HTTP request this process serves carry its socket address in SOCKET_ADDRESS_HEADER. Node
 * publishes `http.server.request.start` before the server's request listener (Next) runs.
 */
export function installSocketAddressHeader(): void {
  const flag = globalThis as unknown as { __rotorSocketAddress?: boolean };
  if (flag.__rotorSocketAddress) return;
  flag.__rotorSocketAddress = true;
  diagnostics.subscribe("http.server.request.start", stampSocketAddress);
}
