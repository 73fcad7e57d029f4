import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeOidcProfile } from "./oidc-userinfo";

let server: http.Server;
let issuer: string;
let userinfo: Record<string, unknown> = {};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === "/.well-known/openid-configuration") {
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify({ issuer, userinfo_endpoint: `${issuer}/me` }));
    }
    if (req.url === "/me" && req.headers.authorization === "Bearer good-token") {
      res.setHeader("content-type", "application/json; charset=utf-8");
      return res.end(JSON.stringify(userinfo));
    }
    res.statusCode = 401;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("completeOidcProfile", () => {
  it("fills claims a thin ID token leaves out from userinfo", async () => {
    userinfo = { sub: "u1", email: "a@example.com", name: "A", groups: ["admins"] };
    const profile = await completeOidcProfile({ issuer, accessToken: "good-token", idTokenClaims: { sub: "u1", iss: issuer } });
    expect(profile).toMatchObject({ sub: "u1", iss: issuer, email: "a@example.com", name: "A", groups: ["admins"] });
  });

  it("keeps the signed ID token's value where both have one", async () => {
    userinfo = { sub: "u1", email: "other@example.com" };
    const profile = await completeOidcProfile({ issuer, accessToken: "good-token", idTokenClaims: { sub: "u1", email: "a@example.com" } });
    expect(profile.email).toBe("a@example.com");
  });

  it("refuses userinfo about another subject", async () => {
    userinfo = { sub: "someone-else", email: "x@example.com" };
    await expect(completeOidcProfile({ issuer, accessToken: "good-token", idTokenClaims: { sub: "u1" } })).rejects.toThrow(/different subject/);
  });

  it("fails when the provider refuses the access token", async () => {
    await expect(completeOidcProfile({ issuer, accessToken: "bad-token", idTokenClaims: { sub: "u1" } })).rejects.toThrow(/HTTP 401/);
  });

  it("uses the ID token alone without an access token", async () => {
    expect(await completeOidcProfile({ issuer, accessToken: undefined, idTokenClaims: { sub: "u1" } })).toEqual({ sub: "u1" });
  });
});
