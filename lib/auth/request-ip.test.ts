/**
 * The client address comes from the socket unless the socket is a trusted proxy: a client that sends
 * X-Forwarded-For (or Rotor's own socket header) cannot choose the address that is audited and throttled.
 * A real HTTP server, stamped the way the Rotor server is (installSocketAddressHeader).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientAddress, installSocketAddressHeader, SOCKET_ADDRESS_HEADER, trustedProxyList } from "./request-ip";
import { parseEnv } from "../env";

let server: http.Server;
let url: string;
let trusted = trustedProxyList([]);

beforeAll(async () => {
  installSocketAddressHeader();
  server = http.createServer((req, res) => {
    const header = (name: string) => (req.headers[name] as string | undefined) ?? null;
    res.end(clientAddress({ socketAddress: header(SOCKET_ADDRESS_HEADER), forwardedFor: header("x-forwarded-for"), trusted }) ?? "none");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function addressSeen(headers: Record<string, string> = {}) {
  return (await fetch(url, { headers })).text();
}

describe("client address", () => {
  it("is the socket address by default, whatever the client claims", async () => {
    trusted = trustedProxyList([]);
    expect(await addressSeen()).toBe("127.0.0.1");
    expect(await addressSeen({ "x-forwarded-for": "203.0.113.9", "x-real-ip": "203.0.113.8" })).toBe("127.0.0.1");
    expect(await addressSeen({ [SOCKET_ADDRESS_HEADER]: "203.0.113.7" })).toBe("127.0.0.1");
  });

  it("follows X-Forwarded-For through trusted proxies only, from the right", async () => {
    trusted = trustedProxyList(["127.0.0.0/8", "10.0.0.5"]);
    expect(await addressSeen({ "x-forwarded-for": "203.0.113.9" })).toBe("203.0.113.9");
    // The client wrote the leftmost entry; the trusted proxy 10.0.0.5 appended what it saw.
    expect(await addressSeen({ "x-forwarded-for": "198.51.100.1, 203.0.113.9, 10.0.0.5" })).toBe("203.0.113.9");
    // A trusted proxy with no header, or garbage, leaves the proxy's own address.
    expect(await addressSeen()).toBe("127.0.0.1");
    expect(await addressSeen({ "x-forwarded-for": "not-an-address" })).toBe("127.0.0.1");
  });

  it("normalizes IPv4-mapped IPv6 socket addresses", () => {
    expect(clientAddress({ socketAddress: "::ffff:192.0.2.1", forwardedFor: null, trusted: trustedProxyList([]) })).toBe("192.0.2.1");
  });
});

describe("ROTOR_TRUSTED_PROXIES", () => {
  it("is empty by default and accepts addresses and CIDR ranges", () => {
    expect(parseEnv({}).trustedProxies).toEqual([]);
    expect(parseEnv({ ROTOR_TRUSTED_PROXIES: "10.0.0.0/8, ::1, 192.0.2.4" }).trustedProxies).toEqual(["10.0.0.0/8", "::1", "192.0.2.4"]);
  });

  it("refuses an entry that is not an address or range, naming it", () => {
    expect(() => parseEnv({ ROTOR_TRUSTED_PROXIES: "10.0.0.0/8,lb.internal" })).toThrow(/ROTOR_TRUSTED_PROXIES entry "lb.internal"/);
    expect(() => parseEnv({ ROTOR_TRUSTED_PROXIES: "10.0.0.0/33" })).toThrow(/ROTOR_TRUSTED_PROXIES/);
  });
});
