/**
 * A real OpenID Connect provider on loopback for the e2e tests (the `oidc-provider` package, the certified
 * implementation many IdPs build on), with one confidential client for Rotor and the accounts in
 * `accounts.ts`. Its interaction pages are our own minimal ones (oidc-provider's devInteractions accept any
 * login and have unlabelled inputs): a login form that takes a username, and a consent page with Allow/Deny.
 *
 * It is deliberately spec-conforming in the ways that trip up relying parties: in the code flow the ID token
 * carries no profile claims (they come from the userinfo endpoint), and PKCE is required.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Provider, type InteractionDetails } from "oidc-provider";
import type { OidcAccount } from "./accounts";

export interface OidcProviderHandle {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export interface OidcProviderOptions {
  accounts: Record<string, OidcAccount>;
  /** Rotor's callback URL(s), e.g. http://localhost:3000/api/auth/callback/oidc. */
  redirectUris: string[];
  host?: string;
  port?: number;
  clientId?: string;
  /** Where to write one line per provider event worth knowing when a sign-in test fails. */
  log?: (line: string) => void;
}

const escapeHtml = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

function send(res: ServerResponse, status: number, html: string) {
  res.statusCode = status;
  res.setHeader("content-type", "text/html; charset=utf-8");
  res.setHeader("cache-control", "no-store");
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function loginPage(uid: string, error?: string): string {
  return page(
    "Test IdP: sign in",
    `${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" aria-label="Sign in to the test IdP">
  <label for="login">Username</label>
  <input id="login" name="login" autocomplete="username" required autofocus>
  <button type="submit">Continue</button>
</form>`,
  );
}

function consentPage(uid: string, details: InteractionDetails): string {
  const scopes = details.prompt.details.missingOIDCScope ?? [];
  return page(
    "Test IdP: authorize",
    `<p>The application <strong>${escapeHtml(details.params.client_id)}</strong> asks for: ${escapeHtml(scopes.join(", ") || "nothing new")}.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit">Deny</button></form>`,
  );
}

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProviderHandle> {
  const { accounts, redirectUris, host = "127.0.0.1", port = 0, clientId = "rotor-e2e" } = options;
  const log = options.log ?? (() => undefined);
  const clientSecret = randomBytes(24).toString("base64url");

  // Listen first: the issuer URL contains the port, and the provider needs the issuer at construction.
  let handler: http.RequestListener = (_req, res) => send(res, 503, "starting");
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "e2e-1", use: "sig", alg: "RS256" };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        response_types: ["code"],
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    // `groups` is released with the `profile` scope (as Keycloak/Entra ID do with a groups mapper), because
    // Rotor requests only "openid email profile".
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
    async findAccount(_ctx: unknown, id: string) {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: account.email, email_verified: true, name: account.name, groups: account.groups };
        },
      };
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    // Explicit lifetimes (seconds) for a test run; the defaults print a notice each time they are used.
    ttl: { AccessToken: 3600, AuthorizationCode: 120, IdToken: 3600, Interaction: 900, Session: 3600, Grant: 3600 },
  });
  for (const event of ["server_error", "authorization.error", "grant.error", "userinfo.error", "introspection.error"]) {
    provider.on(event, (...args: unknown[]) => {
      const error = args.find((a): a is Error => a instanceof Error);
      log(`[idp] ${event}: ${error ? `${error.name}: ${error.message}` : ""}`);
    });
  }
  provider.on("authorization.success", () => log("[idp] authorization.success"));

  const oidcCallback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, step: string | undefined) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, page("Test IdP", "<p role=\"alert\">Interaction mismatch.</p>"));
    if (req.method === "GET" && !step) {
      if (details.prompt.name === "login") return send(res, 200, loginPage(uid));
      if (details.prompt.name === "consent") return send(res, 200, consentPage(uid, details));
      return send(res, 501, page("Test IdP", `<p role="alert">Prompt ${escapeHtml(details.prompt.name)} is not implemented.</p>`));
    }
    if (req.method !== "POST") return send(res, 405, page("Test IdP", "<p>Method not allowed.</p>"));
    if (step === "login") {
      const login = (await readForm(req)).get("login")?.trim() ?? "";
      if (!accounts[login]) return send(res, 200, loginPage(uid, `Unknown user "${login}".`));
      log(`[idp] ${login} signed in`);
      return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    }
    if (step === "confirm") {
      const missing = details.prompt.details;
      const grant = details.grantId
        ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId: details.session?.accountId, clientId: details.params.client_id }))
        : new provider.Grant({ accountId: details.session?.accountId, clientId: details.params.client_id });
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(" "));
      return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
    }
    if (step === "abort") {
      return provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "End-User aborted interaction" },
        { mergeWithLastSubmission: false },
      );
    }
    return send(res, 404, page("Test IdP", "<p>Not found.</p>"));
  }

  handler = (req, res) => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?\/?$/.exec(new URL(req.url ?? "/", issuer).pathname);
    if (!match) return oidcCallback(req, res);
    interaction(req, res, match[1], match[2]).catch((error: Error) => {
      log(`[idp] interaction failed: ${error.name}: ${error.message}`);
      if (!res.headersSent) send(res, 400, page("Test IdP", `<p role="alert">${escapeHtml(error.message)}</p>`));
    });
  };

  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
