/**
 * Serves Rotor's OIDC issuer endpoints (discovery document and JWKS) from a test store over real HTTP, with the
 * same functions the app's /.well-known route handlers use, so that the fake STS can fetch the keys the way AWS
 * fetches them from a deployed Rotor.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { AppContext } from "@/lib/app-context";
import type { IssuerKeyPolicy } from "@/lib/aws-logins/issuer-keys";
import { discoveryDocument, DISCOVERY_PATH, jwks, JWKS_PATH } from "@/lib/aws-logins/issuer";

export interface IssuerServer {
  /** The issuer URL (no trailing slash), e.g. http://127.0.0.1:41234 */
  url: string;
  /** Number of requests answered, per path. */
  hits: Record<string, number>;
  stop(): Promise<void>;
}

export async function startIssuerServer(app: Pick<AppContext, "db">, policy: IssuerKeyPolicy): Promise<IssuerServer> {
  const hits: Record<string, number> = {};
  let url = "";
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    hits[path] = (hits[path] ?? 0) + 1;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === DISCOVERY_PATH) return send(200, discoveryDocument(url));
    if (path === JWKS_PATH) {
      jwks(app, policy).then((body) => send(200, body), (error) => send(500, { error: String(error) }));
      return;
    }
    send(404, { error: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
