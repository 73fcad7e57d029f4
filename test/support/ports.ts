/**
 * A port on 127.0.0.1 that nothing listens on right now (taken, then released): for a server a test is about
 * to start, or, left unused, for a connection that must be refused.
 */
import net from "node:net";

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((resolve, reject) => server.once("listening", resolve).once("error", reject));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
