/**
 * A small, protocol-faithful IAM + STS endpoint for tests. The real AWS SDK v3 clients talk to it over HTTP
 * (point them at `url` with `endpoint`, or set AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS, which the SDK
 * honours), so the rotator is tested through the SDK's real serialization, signing, error parsing and retries.
 *
 * Faithful where Rotor's correctness depends on it:
 * - awsQuery protocol both ways (form-encoded `Action=…&Version=…`; `<XResponse><XResult>` XML; `<ErrorResponse>`
 *   with IAM's codes and HTTP statuses). The installed SDK (client-iam 3.1169, client-sts 3.1174) uses
 *   awsQuery for both services; requests are routed by `Version` so one URL serves both.
 * - SigV4 verification with the secret of the signing key: wrong secret → SignatureDoesNotMatch; unknown,
 *   inactive or not-yet-propagated key → InvalidClientTokenId.
 * - IAM quotas: 2 access keys per user (409 LimitExceeded), 50 tags per user.
 * - Eventual consistency: keys made by CreateAccessKey are refused for `propagationDelayMs` (virtual clock).
 * - Faults: fail the next call of an action, or drop the connection before/after performing it (the
 *   "crash between CreateAccessKey and recording the secret" case).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { FakeAwsError, invalidClientTokenId, accessDenied, signatureDoesNotMatch } from "./errors";
import { createIamService, IAM_XMLNS } from "./iam";
import type { QueryService } from "./protocol";
import { parseAuthorization, verifySignature, type SignedRequest } from "./sigv4";
import { evaluatePolicy, FakeAwsStore, type FakePrincipal, type KeyStatus } from "./store";
import type { FakeAws, FakeAwsAdmin, FakeAwsCall, FakeAwsFault, FakeAwsRoute, FakeKeyInfo, FakeUserInfo, StartFakeAwsOptions } from "./api";
import { createStsService } from "./sts";
import { errorResponse, successResponse } from "./xml";

export type * from "./api";
export { FakeAwsError } from "./errors";
export type { QueryActionContext, QueryActionHandler, QueryActionOptions, QueryService } from "./protocol";
export { memberList, required } from "./protocol";
export type { EvalDecision, FakePolicy, FakePrincipal, KeyStatus, PolicyHolder } from "./store";
export { FakeAwsStore } from "./store";
export { el, list, node, escapeXml } from "./xml";
// Extensions installed on a started fake: STS AssumeRoleWithWebIdentity with IAM OIDC providers and
// roles, and Lambda (Invoke, Get/UpdateFunctionConfiguration) running in-process handlers.
export { installWebIdentity } from "./web-identity";
export type { FakeOidcProvider, FakeRole, TrustPolicy, WebIdentityAdmin, WebIdentityExchangeRecord } from "./web-identity";
export { installLambda } from "./lambda";
export type { FakeLambdaContext, FakeLambdaFunction, FakeLambdaHandler, FakeLambdaInvocation, LambdaAdmin, RegisterFunctionOptions } from "./lambda";

const MAX_BODY_BYTES = 1024 * 1024;

export async function startFakeAws(options: StartFakeAwsOptions = {}): Promise<FakeAws> {
  const accountId = options.accountId ?? "123456789012";
  const now = options.now ?? Date.now;
  const store = new FakeAwsStore(accountId, now, options.propagationDelayMs ?? 0);
  const services: QueryService[] = [createIamService(), createStsService()];
  const routes: FakeAwsRoute[] = [];
  let faults: (FakeAwsFault & { remaining: number })[] = [];
  const callLog: FakeAwsCall[] = [];
  let seq = 0;
  let requestCounter = 0;

  const adminUserRecord = store.createUser(options.adminUserName ?? "rotor-admin", { policy: "*" });
  const adminKey = store.createAccessKey(adminUserRecord.userName);

  function record(call: Omit<FakeAwsCall, "seq">) {
    const full = { seq: ++seq, ...call };
    callLog.push(full);
    options.onCall?.(full);
  }

  function takeFault(service: string, action: string) {
    const index = faults.findIndex((f) => f.action === action && (!f.service || f.service === service));
    if (index < 0) return undefined;
    const fault = faults[index];
    if (--fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  }

  /** Who signed this request. Checks key validity first (InvalidClientTokenId), then the signature. */
  function authenticate(request: SignedRequest, signingName: string): { principal: FakePrincipal; accessKeyId: string } {
    const auth = parseAuthorization(headerString(request.headers.authorization));
    if (!auth) throw new FakeAwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
    if (auth.service !== signingName) {
      throw signatureDoesNotMatch(`Credential should be scoped to correct service: '${signingName}'.`);
    }
    const key = store.keys.get(auth.accessKeyId);
    if (key) {
      if (key.status !== "Active" || now() < key.usableFrom) throw invalidClientTokenId();
      verifySignature(request, auth, key.secretAccessKey);
      // What GetAccessKeyLastUsed reports: a correctly signed request by an active key reached the service.
      key.lastUsed = { date: new Date(now()), serviceName: auth.service, region: auth.region };
      return { principal: store.principalOfUser(store.getUser(key.userName)), accessKeyId: key.accessKeyId };
    }
    const session = store.sessions.get(auth.accessKeyId);
    if (session) {
      if (headerString(request.headers["x-amz-security-token"]) !== session.sessionToken) throw invalidClientTokenId();
      if (now() >= session.expiresAt) {
        throw new FakeAwsError("ExpiredToken", "The security token included in the request is expired", 400);
      }
      verifySignature(request, auth, session.secretAccessKey);
      return { principal: session.principal, accessKeyId: session.accessKeyId };
    }
    throw invalidClientTokenId();
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) {
    const requestId = `fake-${++requestCounter}-${Date.now().toString(36)}`;
    const request: SignedRequest = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body };
    const send = (status: number, xml: string) => {
      res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": requestId, "content-length": Buffer.byteLength(xml) });
      res.end(xml);
    };

    const path = new URL(request.url, "http://fake.invalid").pathname;
    for (const route of routes) {
      const match = route.method === request.method ? route.path.exec(path) : null;
      if (!match) continue;
      try {
        const caller = route.signingName ? authenticate(request, route.signingName).principal : null;
        const out = await route.handler({ request, match, caller, store, requestId });
        res.writeHead(out.status, { "x-amzn-requestid": requestId, ...out.headers });
        res.end(out.body);
        record({ service: route.signingName ?? "raw", action: `${route.method} ${path}`, status: out.status });
      } catch (error) {
        const e = error instanceof FakeAwsError ? error : new FakeAwsError("ServiceException", String(error), 500);
        res.writeHead(e.status, { "content-type": "application/json", "x-amzn-requestid": requestId, "x-amzn-errortype": e.code });
        // restJson services (Lambda) say "User"/"Service" where awsQuery says "Sender"/"Receiver".
        res.end(JSON.stringify({ Type: e.type === "Sender" ? "User" : "Service", message: e.message }));
        record({ service: route.signingName ?? "raw", action: `${route.method} ${path}`, status: e.status, errorCode: e.code });
      }
      return;
    }

    // awsQuery: parameters in the form body (and, leniently, the query string).
    const params: Record<string, string> = {};
    new URL(request.url, "http://fake.invalid").searchParams.forEach((v, k) => (params[k] = v));
    new URLSearchParams(body.toString("utf8")).forEach((v, k) => (params[k] = v));
    const action = params.Action ?? "";
    const signedService = parseAuthorizationSafe(headerString(req.headers.authorization))?.service;
    const service =
      services.find((s) => s.version === params.Version) ?? services.find((s) => s.signingName === signedService) ?? services[0];
    const entry = service.actions.get(action);
    if (!entry) {
      send(400, errorResponse({ type: "Sender", code: "InvalidAction", message: `Could not find operation ${action} for version ${params.Version ?? "NO_VERSION_SPECIFIED"}` }, service.xmlns, requestId));
      record({ service: service.signingName, action, status: 400, errorCode: "InvalidAction" });
      return;
    }

    const fault = takeFault(service.signingName, action);
    if (fault?.kind === "drop-before") {
      record({ service: service.signingName, action, status: 0, fault: fault.kind });
      req.socket.destroy();
      return;
    }

    // Recorded even when authentication fails, so tests can see which key was refused.
    let accessKeyId: string | undefined = parseAuthorizationSafe(headerString(req.headers.authorization))?.accessKeyId;
    let status = 200;
    let xml: string;
    let errorCode: string | undefined;
    try {
      if (fault?.kind === "error") {
        throw new FakeAwsError(fault.code, fault.message ?? `Injected ${fault.code}`, fault.status ?? 400);
      }
      let caller: FakePrincipal | null = null;
      if (!entry.options.unsigned || req.headers.authorization) {
        const who = authenticate(request, service.signingName);
        caller = who.principal;
        accessKeyId = who.accessKeyId;
      }
      const result = await entry.handler({
        params,
        caller,
        store,
        requestId,
        authorize(permission, resource) {
          const decision = caller ? evaluatePolicy(caller, permission) : "allowed";
          if (decision !== "allowed") throw accessDenied(caller!.arn, permission, resource, decision === "explicitDeny");
        },
      });
      xml = successResponse(action, service.xmlns, result, requestId);
    } catch (error) {
      const e = error instanceof FakeAwsError ? error : new FakeAwsError("ServiceFailure", `Internal error: ${String(error)}`, 500);
      status = e.status;
      errorCode = e.code;
      xml = errorResponse({ type: e.type, code: e.code, message: e.message }, service.xmlns, requestId);
    }

    if (fault?.kind === "drop-after") {
      record({ service: service.signingName, action, accessKeyId, status: 0, errorCode, fault: fault.kind });
      req.socket.destroy();
      return;
    }
    record({ service: service.signingName, action, accessKeyId, status, errorCode, fault: fault?.kind });
    send(status, xml);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks)).catch((error) => {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/xml" });
          res.end(errorResponse({ type: "Receiver", code: "ServiceFailure", message: String(error) }, IAM_XMLNS, "fake"));
        }
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const userInfo = (u: { userName: string; userId: string; arn: string; path: string }): FakeUserInfo => ({
    userName: u.userName,
    userId: u.userId,
    arn: u.arn,
    path: u.path,
  });
  const keyInfo = (k: { accessKeyId: string; userName: string; status: KeyStatus; createDate: Date; usableFrom: number }): FakeKeyInfo => ({
    accessKeyId: k.accessKeyId,
    userName: k.userName,
    status: k.status,
    createDate: new Date(k.createDate),
    usable: k.status === "Active" && now() >= k.usableFrom,
  });

  const admin: FakeAwsAdmin = {
    store,
    createUser: (userName, opts) => userInfo(store.createUser(userName, opts)),
    setPolicy: (userName, policy) => void (store.getUser(userName).policy = policy),
    setDeny: (userName, actions) => void (store.getUser(userName).deny = actions),
    seedAccessKey(userName, opts = {}) {
      const key = store.createAccessKey(userName, { ...opts, propagated: opts.propagated ?? true });
      return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, createDate: new Date(key.createDate) };
    },
    listAccessKeys: (userName) => store.keysOf(userName).map(keyInfo),
    getAccessKey(accessKeyId) {
      const key = store.keys.get(accessKeyId);
      return key && keyInfo(key);
    },
    secretOf: (accessKeyId) => store.keys.get(accessKeyId)?.secretAccessKey,
    deleteAccessKey: (accessKeyId) => void store.keys.delete(accessKeyId),
    setKeyStatus(accessKeyId, status) {
      const key = store.keys.get(accessKeyId);
      if (!key) throw new Error(`No such key ${accessKeyId}`);
      key.status = status;
    },
    userTags: (userName) => Object.fromEntries(store.getUser(userName).tags),
    setPropagationDelay: (ms) => void (store.propagationDelayMs = ms),
    injectFault: (fault) => void faults.push({ ...fault, remaining: fault.times ?? 1 }),
    clearFaults: () => void (faults = []),
    calls: () => callLog,
    clearCalls: () => void callLog.splice(0),
    issueSessionCredentials(as, durationSeconds) {
      const principal = typeof as === "string" ? store.principalOfUser(store.getUser(as)) : as;
      const s = store.issueSession(principal, durationSeconds);
      return { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken, expiration: new Date(s.expiresAt) };
    },
  };

  return {
    url,
    accountId,
    adminCredentials: { accessKeyId: adminKey.accessKeyId, secretAccessKey: adminKey.secretAccessKey },
    adminUser: userInfo(adminUserRecord),
    admin,
    registerQueryAction(signingName, action, handler, actionOptions = {}) {
      const service = services.find((s) => s.signingName === signingName);
      if (!service) throw new Error(`No query service ${signingName}`);
      service.actions.set(action, { handler, options: actionOptions });
    },
    registerQueryService: (service) => void services.push(service),
    registerRoute: (route) => void routes.push(route),
    useAsDefaultEndpoint(names = ["IAM", "STS"]) {
      const variables = names.map((n) => `AWS_ENDPOINT_URL_${n.toUpperCase()}`);
      const saved = variables.map((v) => [v, process.env[v]] as const);
      for (const v of variables) process.env[v] = url;
      return () => {
        for (const [v, value] of saved) restoreEnv(v, value);
      };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function restoreEnv(name: string, value: string | undefined) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The scope of a signature, for routing and the call log only (verification happens later). */
function parseAuthorizationSafe(header: string | undefined) {
  try {
    return parseAuthorization(header) ?? undefined;
  } catch {
    return undefined;
  }
}
